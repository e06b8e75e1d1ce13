"""The Chinese social tokenizer and language identification (text written for the tests,
in the style of Weibo helpdesk and Xiaohongshu replies)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuecoder.text.language import UNDETERMINED, detect_language
from cuecoder.text.tokenizer import make_nlp

zh = make_nlp("zh")


def tokens(text: str) -> list[str]:
    return [t.text for t in zh(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@中国电信客服 您好", ["@中国电信客服", "您好"]),
        ("回复@小王同学:谢谢", ["回复", "@小王同学", ":", "谢谢"]),
        ("#双十一攻略#来啦", ["#双十一攻略#", "来", "啦"]),
        ("太好了[哈哈][爱你]", ["太好了", "[哈哈]", "[爱你]"]),
        ("详见 http://t.cn/RxYz12 哦", ["详见", "http://t.cn/RxYz12", "哦"]),
        ("请私信订单号，谢谢！", ["请", "私信", "订单号", "，", "谢谢", "！"]),
        ("我用了iPhone 15感觉不错", ["我", "用", "了", "iPhone", "15", "感觉", "不错"]),
        ("真的绝了😍👍🏽", ["真的", "绝", "了", "😍", "👍🏽"]),
    ],
)
def test_social_units_stay_whole(text, expected):
    assert tokens(text) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("您好亲私信@#[]呵 .,，。！？?abcAB12😍\n　")), max_size=40
    )
)
def test_the_doc_text_is_the_input(text):
    doc = zh(text)
    assert doc.text == text
    for tok in doc:
        assert text[tok.idx : tok.idx + len(tok)] == tok.text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thanks for flagging, we've rebooked you on the 9am flight ^JS", "en"),
        ("亲，感谢您的反馈，请私信我们订单号。", "zh"),
        ("@中国联通客服 [呵呵]", UNDETERMINED),  # a handle and an emoticon code: no words
        ("宝子们，这个YSL小金条绝了！", "zh"),  # English brand names inside Chinese
        ("我用了iPhone 15 Pro Max，感觉不错", "zh"),
        ("ご連絡ありがとうございます。確認いたします。", "ja"),
        ("안녕하세요, 주문하신 상품은 내일 도착합니다.", "ko"),
        ("Merci beaucoup, nous vérifions votre commande.", "fr"),
        ("شكرا لتواصلك معنا، سنقوم بالرد قريبا", "ar"),
        ("👍🏽🔥🔥", UNDETERMINED),
        ("!!! :)", UNDETERMINED),
        (None, UNDETERMINED),
    ],
)
def test_language_of_a_reply(text, language):
    assert detect_language(text) == language


def test_an_unsure_identifier_takes_a_preferred_language_it_ranks():
    text = "Hi, Megan!  We love you too!  ^SP"  # fastText: Italian at .30, English second
    assert detect_language(text) != "en"
    assert detect_language(text, prefer=("en", "zh")) == "en"
    # a confident identification is kept whatever is preferred
    assert detect_language("Wir haben zu danken. Schönen Abend noch.", prefer=("en",)) == "de"
