"""Loading model folders into a Coder, without scoring anything: which model reads which
language, thresholds, heads and tables as meta.json says, refusals. (Faster than scoring,
but too slow for the mutation benchmark's scorer group: about 20 s a mutant here.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import cuecoder
from cuecoder.coder import Coder
from cuecoder.cues.evidence import EvidenceMatcher, data_files
from cuecoder.cues.features import FEATURE_NAMES, FEATURE_SETS
from cuecoder.errors import ModelError
from cuecoder.model.folder import CHINESE_MODEL, DEFAULT_MODEL


def meta_of(folder: Path) -> dict:
    return json.loads((folder / "meta.json").read_text(encoding="utf-8"))


def copy_of(folder: Path, tmp_path: Path, name: str, change=None) -> Path:
    dst = tmp_path / name
    shutil.copytree(folder, dst)
    if change is not None:
        meta = meta_of(dst)
        change(meta)
        (dst / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return dst


def test_the_default_load_routes_english_and_chinese():
    coder = cuecoder.load()
    meta = meta_of(DEFAULT_MODEL)
    assert coder.path == DEFAULT_MODEL and coder.paths == (DEFAULT_MODEL, CHINESE_MODEL)
    assert coder.labels == tuple(meta["labels"])
    assert coder.thresholds == {k: float(v) for k, v in meta["thresholds"].items()}
    assert all(type(v) is float for v in coder.thresholds.values())
    assert set(coder.heads) == set(meta["labels"])
    assert coder.corpus_model == meta["corpus_evidence"]
    assert coder.lexical is not None and set(coder.lexical.labels) == set(meta["labels"])
    assert coder.languages == ("en",)
    assert sorted(coder.routes) == ["en", "zh"] and coder.routes["en"] is coder
    chinese = coder.routes["zh"]
    assert chinese.path == CHINESE_MODEL and chinese.paths == (CHINESE_MODEL,)
    assert chinese.routes == {"zh": chinese}
    assert coder.nlp is coder.featurizer.nlp and coder.encoder is coder.featurizer.encoder
    assert coder.featurizer.text_profile == {"language": "en", "rules": "social"}
    assert chinese.featurizer.text_profile["language"] == "zh"
    assert repr(coder) == (
        f"Coder(name={meta['name']!r}, version={meta['version']!r}, languages=[en, zh])"
    )


@pytest.mark.parametrize("as_given", [str, Path, lambda p: [p]])
def test_load_of_one_folder(as_given):
    coder = cuecoder.load(as_given(DEFAULT_MODEL))
    assert coder.paths == (DEFAULT_MODEL,) and coder.routes == {"en": coder}


def test_the_first_folder_of_a_list_is_primary_and_keeps_its_languages(tmp_path):
    both = copy_of(
        CHINESE_MODEL, tmp_path, "zh_en", lambda m: m["text"].update(languages=["zh", "en"])
    )
    coder = cuecoder.load([DEFAULT_MODEL, both])
    assert coder.routes["en"] is coder and coder.routes["zh"].path == both


def test_the_featurizer_takes_the_folder_tables_and_encoder():
    coder = Coder(DEFAULT_MODEL, n_threads=1)
    matcher = coder.featurizer.matcher
    assert matcher.lexicons["greeting"] >= {"hi", "thanks"}
    assert len(matcher.phrases) > 0 and not matcher.chinese
    assert Coder(CHINESE_MODEL).featurizer.matcher.chinese


def test_a_folder_with_other_features_is_refused(tmp_path):
    bad = copy_of(DEFAULT_MODEL, tmp_path, "bad", lambda m: m["features"].pop())
    n = len(meta_of(DEFAULT_MODEL)["features"])
    with pytest.raises(
        ModelError, match=f"lists {n - 1} features, this cuecoder computes {n}"
    ) as e:
        Coder(bad)
    assert ", ".join(FEATURE_NAMES[:3]) + ", ...)" in str(e.value)


def test_models_with_other_labels_are_refused_together(tmp_path):
    other = copy_of(CHINESE_MODEL, tmp_path, "zh", lambda m: m["labels"].reverse())
    with pytest.raises(ModelError, match="code different labels"):
        cuecoder.load([DEFAULT_MODEL, other])


def test_verify_reaches_every_folder(tmp_path):
    def tamper(folder):
        with open(folder / "lexicons.tsv", "a", encoding="utf-8") as fh:
            fh.write("greeting\thiya\ttest\n")  # a valid row: only the checksum differs

    first, second = copy_of(DEFAULT_MODEL, tmp_path, "en"), copy_of(CHINESE_MODEL, tmp_path, "zh")
    tamper(second)
    with pytest.raises(ModelError):
        Coder(first, others=[second])
    assert Coder(first, others=[second], verify=False).routes["zh"].path == second
    tamper(first)
    with pytest.raises(ModelError):
        Coder(first)
    assert Coder(first, verify=False).labels == tuple(meta_of(DEFAULT_MODEL)["labels"])


def test_the_thread_count_reaches_every_session():
    coder = cuecoder.load(n_threads=3)
    for one in (coder, coder.routes["zh"]):
        assert one.encoder.n_workers == 3 and one.encoder.dim == 384
        for session in one.heads.values():
            assert session.get_session_options().intra_op_num_threads == 3


def test_tables_are_read_under_the_names_meta_json_gives(tmp_path):
    def rename(meta):
        for key, new in (("patterns", "rules.tsv"), ("lexicons", "words.tsv")):
            meta["files"][new] = meta["files"].pop(meta[key])
            meta[key] = new

    folder = copy_of(DEFAULT_MODEL, tmp_path, "renamed", rename)
    (folder / "patterns.tsv").rename(folder / "rules.tsv")
    (folder / "lexicons.tsv").rename(folder / "words.tsv")
    with open(folder / "words.tsv", "a", encoding="utf-8") as fh:
        fh.write("greeting\tahoy\ttest\n")
    matcher = Coder(folder, verify=False).featurizer.matcher
    assert "ahoy" in matcher.greetings and len(matcher.phrases) > 0


def test_the_feature_set_and_lexical_head_follow_meta_json(tmp_path):
    folder = copy_of(
        DEFAULT_MODEL,
        tmp_path,
        "context",
        lambda m: m.update(features=list(FEATURE_SETS[1])) or m.pop("lexical"),
    )
    coder = Coder(folder, verify=False)
    assert coder.featurizer.feature_names == FEATURE_SETS[1] and coder.featurizer.context_rules
    assert coder.lexical is None
    plain = Coder(DEFAULT_MODEL).featurizer
    assert plain.feature_names == FEATURE_SETS[0] and not plain.context_rules


def test_phrases_match_whatever_the_case():
    coder = Coder(DEFAULT_MODEL)
    doc = coder.nlp.tokenizer("THANKS FOR FLAGGING this")
    matcher = coder.featurizer.matcher
    assert "L-ACK" in {e.subcode for e in matcher(doc)}


def test_chinese_tables_are_the_chinese_files():
    patterns, lexicons = data_files("zh")
    assert patterns.is_file() and lexicons.is_file()
    assert (patterns.parent.name, patterns.name, lexicons.name) == (
        "zh",
        "patterns.tsv",
        "lexicons.tsv",
    )
    assert data_files("xx") == data_files("en") == data_files()


def test_tables_default_to_their_usual_names(tmp_path):
    folder = copy_of(
        DEFAULT_MODEL, tmp_path, "unnamed", lambda m: [m.pop("patterns"), m.pop("lexicons")]
    )
    matcher = Coder(folder, verify=False).featurizer.matcher
    assert len(matcher.phrases) > 0 and "hi" in matcher.greetings


def test_a_lexicon_table_without_greetings_finds_no_address(tmp_path):
    lexicons = tmp_path / "lexicons.tsv"
    rows = (DEFAULT_MODEL / "lexicons.tsv").read_text(encoding="utf-8").splitlines(True)
    lexicons.write_text("".join(r for r in rows if not r.startswith("greeting\t")), "utf-8")
    coder = Coder(DEFAULT_MODEL)
    matcher = EvidenceMatcher(coder.nlp, DEFAULT_MODEL / "patterns.tsv", lexicons)
    assert matcher.greetings == frozenset()
    found = matcher(coder.nlp.tokenizer("Hi Maria, sorry about that."))
    assert "R-ADDRESS" not in {e.subcode for e in found}
