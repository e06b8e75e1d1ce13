from __future__ import annotations

import spacy
from spacy import displacy


def test_add_pipe_sets_cues_and_spans():
    nlp = spacy.blank("en")
    nlp.add_pipe("cuecoder")
    assert nlp.get_pipe_meta("cuecoder").default_config["coder"]["@misc"] == "cuecoder.cues.v2"
    doc = nlp.make_doc("So sorry the delivery was late! Which store did you order from? ^JS")
    doc._.context = "my delivery from the King St store is late"
    doc = nlp.get_pipe("cuecoder")(doc)
    assert set(doc._.cues) >= {
        "responsiveness",
        "listening",
        "openness",
        "automated",
        "interactivity",
    }
    assert 0 <= doc._.cues["listening"] <= 1
    labels = {s.label_ for s in doc.spans["cues"]}
    assert {"L-QUESTION", "O-IDENTITY"} <= labels
    html = displacy.render(doc, style="span", options={"spans_key": "cues"})
    assert "L-QUESTION" in html


def test_pipe_matches_coder(coder):
    nlp = spacy.blank("en")
    nlp.add_pipe("cuecoder")
    texts = ["Thanks for reaching out! Please DM us.", "I love that shade too, honestly my fave"]
    docs = list(nlp.pipe(texts))
    table = coder.score(texts)
    for doc, (_, row) in zip(docs, table.iterrows(), strict=True):
        assert abs(doc._.cues["openness"] - row["openness"]) < 1e-6


def test_v1_loads_the_english_model_alone_and_flags_other_languages():
    nlp = spacy.blank("en")
    nlp.add_pipe("cuecoder", config={"coder": {"@misc": "cuecoder.cues.v1", "model": None}})
    coder = nlp.get_pipe("cuecoder").coder
    assert set(coder.routes) == {"en"}
    doc = nlp("Merci beaucoup, nous vérifions votre commande tout de suite.")
    assert doc._.cues["language"] == "fr" and doc._.cues["unsupported_language"]
    assert doc._.cues["listening"] != doc._.cues["listening"]  # NaN
    assert doc._.cues["listening_label"] is None  # never "absent"
