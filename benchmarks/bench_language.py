"""Benchmark: language identification of replies (cuecoder.text.language).

On real replies from ``../shared/data`` (a seeded sample of TWCS/IBM brand replies, the
STC-3 Weibo helpdesk turns in Chinese and in their English translation) and on the
hard cases of short replies (fixed lists below, written for this benchmark): share of
replies given the expected language, replies per second, and what the misses are
(ids only for the licensed corpora). Optional comparisons with other offline
identifiers when they are installed (``pip install lingua-language-detector langid``):
the same texts through each. Prints figures; asserts nothing.

    CUECODER_DATA=../shared/data python benchmarks/bench_language.py [--n 1000]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from cuecoder.text.language import _strip, detect_language
from cuecoder.train.data import real_replies, stc3_replies

SHORT_EN = [
    "Thanks!",
    "DM us",
    "ok thx",
    "Sorry!",
    "Got it 👍",
    "lol same",
    "Yes",
    "Hi Sam!",
    "Noted.",
    "No problem",
    "Will do!",
    "omg yes",
    "Happy to help :)",
]
EMOJI_ONLY = [
    "👍",
    "😂😂😂",
    "❤️🙏",
    "🔥🔥",
    ":)",
    "!!!",
    "👍🏽",
    "🙌",
    "[呵呵]",
    "@中国联通客服 [微笑]",
]
MIXED_ZH = [
    "我用了iPhone 15 Pro Max，感觉不错",
    "这款Dior的口红很显白哦",
    "宝子们，这个YSL小金条绝了！",
    "请私信我们您的order number哦",
    "亲，APP更新后试试看",
    "OK的，我们马上处理",
]
OTHER = {
    "fr": "Merci beaucoup pour votre message, nous allons vérifier.",
    "es": "Gracias por escribirnos, lo revisamos ahora mismo.",
    "de": "Danke für deine Nachricht, wir schauen uns das an.",
    "ar": "شكرا لتواصلك معنا، سنقوم بالرد قريبا",
    "ko": "안녕하세요, 주문하신 상품은 내일 도착합니다.",
    "ja": "ご連絡ありがとうございます。確認いたします。",
}


def others():
    """Other identifiers, when installed: name -> function(text) -> ISO 639-1 code."""
    found = {}
    try:
        from lingua import LanguageDetectorBuilder

        det = LanguageDetectorBuilder.from_all_languages().build()

        def lingua(text):
            r = det.detect_language_of(text)
            return r.iso_code_639_1.name.lower() if r else "und"

        found["lingua"] = lingua
    except ImportError:
        pass
    try:
        import langid

        found["langid"] = lambda text: langid.classify(text)[0]
    except ImportError:
        pass
    return found


def _on_stripped(detect):
    """``detect`` on the text without links, handles and emoticon codes."""
    return lambda text: detect(_strip(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="replies per real set")
    args = parser.parse_args()
    en = real_replies().dropna(subset=["reply"]).sample(args.n, random_state=0)
    stc3 = stc3_replies()
    stc3 = stc3[stc3["reply"].str.strip() != ""]
    sets = {
        "TWCS/IBM brand replies (en)": (en, "en"),
        "STC-3 helpdesk turns, Chinese (zh)": (
            stc3[stc3["language"] == "zh"].sample(args.n, random_state=0),
            "zh",
        ),
        "STC-3 turns, English translation (en)": (
            stc3[stc3["language"] == "en"].sample(args.n, random_state=0),
            "en",
        ),
    }
    detectors = {"cuecoder": lambda t: detect_language(t, prefer=("en", "zh"))}
    detectors.update({k: _on_stripped(f) for k, f in others().items()})
    print("| set | expected | " + " | ".join(detectors) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in detectors) + " |")
    for name, (frame, expected) in sets.items():
        cells = []
        for det_name, det in detectors.items():
            t0 = time.perf_counter()
            got = [det(t) for t in frame["reply"]]
            dt = time.perf_counter() - t0
            share = sum(g == expected for g in got) / len(got)
            cells.append(f"{share:.3f} ({len(got) / dt:,.0f}/s)")
            if det_name == "cuecoder":
                misses = Counter(g for g in got if g != expected)
                ids = [i for i, g in zip(frame["item_id"], got, strict=True) if g != expected]
                print(f"<!-- {name}: misses {dict(misses)}; ids {ids[:12]} -->")
        print(f"| {name} (n={len(frame)}) | {expected} | " + " | ".join(cells) + " |")
    hard = [
        ("short English", SHORT_EN, "en"),
        ("emoji/emoticon only", EMOJI_ONLY, "und"),
        ("Chinese with English names", MIXED_ZH, "zh"),
    ]
    hard += [(f"other: {k}", [v], k) for k, v in OTHER.items()]
    for name, texts, expected in hard:
        cells = []
        for det in detectors.values():
            got = [det(t) for t in texts]
            cells.append(f"{sum(g == expected for g in got)}/{len(got)} {sorted(set(got))}")
        print(f"| {name} | {expected} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
