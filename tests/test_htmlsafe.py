"""Corpus text on every HTML page cuecoder writes shows as text (issue 13): the shared
helper, the templates page, the path diagrams."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from cuecoder.htmlsafe import escape, write_html
from cuecoder.stats import mediate
from cuecoder.stats.diagram import save_diagram
from cuecoder.templates.index import TemplateIndex
from cuecoder.templates.page import write_templates_html

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = [SCRIPT, IMG, "\"'><svg onload=alert(1)>", "a & b \x00 \u202e \ud83d", "</details>"]


class Tags(HTMLParser):
    """The tags, attributes and text of a page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


def parse(document: str) -> Tags:
    tags = Tags()
    tags.feed(document)
    return tags


@pytest.mark.parametrize("value", HOSTILE)
def test_escape_leaves_no_markup(value):
    tags = parse(f"<p title='{escape(value)}'>{escape(value)}</p>")
    assert tags.tags == {"p"} and tags.attrs == {"title"}


def test_escape_by_hand():
    assert escape(SCRIPT) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape("\"'&") == "&quot;&#x27;&amp;"
    assert escape("nul\x00 \ud83d") == "nul\ufffd \ufffd"


def test_write_html_is_utf8_even_with_surrogates(tmp_path):
    path = write_html(tmp_path / "p.html", "<p>" + escape("x \ud83d") + "</p>")
    assert path.read_bytes() == "<p>x \ufffd</p>".encode()


def test_templates_page_shows_markup_as_text(tmp_path):
    replies, accounts = [], []
    for i in range(12):  # two templates made of markup, one account named in markup
        replies.append(f"{SCRIPT} Hi customer{i}, your order {1000 + i} shipped")
        replies.append(f"{IMG} thanks for writing to us, ticket {2000 + i}")
        accounts += ["<b>brand</b>", "<b>brand</b>"]
    index = TemplateIndex().add(replies, accounts=accounts).finalize()
    assert len(index.templates()) >= 1
    path = write_templates_html(
        index.templates(), index.account_rates(), tmp_path / "t.html", title=IMG
    )
    page = path.read_text(encoding="utf-8")
    tags = parse(page)
    assert tags.tags <= {
        "meta",
        "title",
        "style",
        "h1",
        "h2",
        "p",
        "span",
        "div",
        "details",
        "summary",
        "ul",
        "li",
    }
    assert not {"onerror", "src"} & tags.attrs
    text = "".join(tags.text)
    assert SCRIPT in text and IMG in text and "<b>brand</b>" in text


def test_diagram_svg_shows_markup_as_text(tmp_path):
    rng = np.random.default_rng(0)
    names = [SCRIPT, IMG, "loyalty $x^{2$ --> \x00"]
    data = pd.DataFrame(rng.normal(size=(80, 3)), columns=names)
    result = mediate(data, x=names[0], m=names[1], y=names[2], n_boot=50, seed=0)
    paths = save_diagram(result, tmp_path / "paths")
    assert [p.parent for p in paths] == [tmp_path, tmp_path]  # the name can't leave it
    svg = next(p for p in paths if p.suffix == ".svg").read_bytes()
    root = ET.fromstring(svg)  # well-formed XML
    elements = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert not {"script", "img", "foreignObject"} & elements
    assert not any("onerror" in el.attrib or "onload" in el.attrib for el in root.iter())
