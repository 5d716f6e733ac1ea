"""A bilingual domain glossary for the lexical channel.

BM25 matches words, so it cannot see a Chinese need's answer written in English (or the reverse):
such a pair scores zero there and the blend reads that as evidence against it. The glossary
(``glossary.txt``: one concept a line, 排产;排程;插单 | scheduling;APS) lets a query reach across:
every concept the need names in its own language adds that concept's terms in the other
language to the lexical query, at a reduced weight (``RankingWeights.glossary_expansion``), so a
translated term counts less than a word the owner wrote. Chinese terms are matched as
substrings (the text is not segmented yet), English ones as whole words, case-insensitively.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["GLOSSARY_FILE", "Concept", "Glossary", "glossary"]

GLOSSARY_FILE = Path(__file__).with_name("glossary.txt")


@dataclass(frozen=True)
class Concept:
    chinese: tuple[str, ...]
    english: tuple[str, ...]


class Glossary:
    def __init__(self, concepts: Iterable[Concept]) -> None:
        self.concepts = tuple(concepts)
        self._english = [
            re.compile("|".join(rf"(?<![a-z0-9]){re.escape(term.lower())}(?![a-z0-9])" for term in c.english))
            for c in self.concepts
        ]

    @classmethod
    def parse(cls, lines: Iterable[str]) -> Glossary:
        """Concepts from ``chinese;terms | english;terms`` lines (``#`` comments, blanks skipped)."""
        concepts = []
        for number, line in enumerate(lines, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.count("|") != 1:
                raise ValueError(f"glossary line {number}: expected 'chinese terms | english terms'")
            chinese, english = (tuple(t.strip() for t in side.split(";") if t.strip()) for side in line.split("|"))
            if not chinese or not english:
                raise ValueError(f"glossary line {number}: each side needs at least one term")
            concepts.append(Concept(chinese, english))
        return cls(concepts)

    def translations(self, text: str, language: str) -> list[str]:
        """The other language's terms of every concept ``text`` names in its own ``language``
        ("zh" or "en", ``language.text_language``), in glossary order, each once."""
        terms: dict[str, None] = {}
        if language == "zh":
            for concept in self.concepts:
                if any(term in text for term in concept.chinese):
                    terms.update(dict.fromkeys(concept.english))
        else:
            lower = text.lower()
            for concept, pattern in zip(self.concepts, self._english, strict=True):
                if pattern.search(lower):
                    terms.update(dict.fromkeys(concept.chinese))
        return list(terms)


@cache
def glossary() -> Glossary:
    """The shipped glossary (``glossary.txt``)."""
    return Glossary.parse(GLOSSARY_FILE.read_text(encoding="utf-8").splitlines())
