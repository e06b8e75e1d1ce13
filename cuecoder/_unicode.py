"""Text that is not valid Unicode, made valid where it enters cuecoder.

A Python string can hold lone UTF-16 surrogates (JSON's ``"\\ud83d"``: text cut inside
an emoji by a producer that counts UTF-16 units, as Twitter's API did). They are not
characters: UTF-8 can't encode them, so tokenizers, hashes, Arrow and every file
writer fail on them. Each entry point (the corpus reader, ``Coder.score``, the template
index, the HTML pages) replaces them with U+FFFD through :func:`repair_surrogates`.
"""

from __future__ import annotations


def repair_surrogates(text: str) -> tuple[str, bool]:
    r"""``text`` with lone surrogates as U+FFFD (a valid pair becomes its character), and
    whether anything was replaced.

    Examples
    --------
    >>> repair_surrogates("cut \ud83d")
    ('cut \ufffd', True)
    >>> repair_surrogates("fine 😀")
    ('fine 😀', False)
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"), True
    return text, False
