"""Which language a text is written in, as far as ranking needs to know: Chinese or English.

The lexical channel matches words, so it cannot see a Chinese need's answer written in English
(or the reverse) beyond the few bilingual labels of the indexed text; fusion treats such a pair
as unseen by that channel rather than as scored zero (``fusion.py``).
"""
from __future__ import annotations

from collections.abc import Mapping

__all__ = ["is_cjk", "terms_language", "text_language"]


def is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def text_language(text: str) -> str:
    """"zh" when most of the text's letters are CJK characters, else "en"."""
    letters = [char for char in text if char.isalpha()]
    cjk = sum(is_cjk(char) for char in letters)
    return "zh" if letters and cjk * 2 > len(letters) else "en"


def terms_language(terms: Mapping[str, int]) -> str:
    """The language of an indexed document from its term frequencies: "zh" when most of its
    term occurrences are Chinese words, else "en" (a document with no term counts as "zh")."""
    chinese = sum(count for term, count in terms.items() if any(is_cjk(char) for char in term))
    total = sum(terms.values())
    return "en" if total and chinese * 2 < total else "zh"
