"""Query-term weights for the lexical channel: does a word name the *problem* or the *trade*?

A need says both what hurts ("排产靠Excel", "能耗高") and what the factory makes ("印刷", "陶瓷厂",
"轮胎"). Industry fit is scored structurally by the ranker, so in the relevance channels the
trade words only pull that industry's solutions of every kind (its ERP, its CRM ...) ahead of the
kind of solution the need asks for. The catalog itself says which words are which: a word whose
solutions spread over all categories but cluster in a few industries names a trade; one whose
solutions cluster in a category names a kind of problem.

For a term t, with ``P(c | t)`` the category distribution of the solutions containing it and
``P(i | t)`` their industry distribution (``*`` counting as an industry of its own), both
smoothed towards the catalog-wide distribution with ``smoothing`` pseudo-documents::

    focus(t) = IG_cat(t) / (IG_cat(t) + IG_ind(t)),   IG_x(t) = KL( P(x | t) || P(x) )

1 for a word that only tells the category (排产 0.97, 能耗 0.98), near 0 for one that only
tells the industry (陶瓷 0.08, 轮胎 0.03), 0.5 when it tells neither. The lexical channel
multiplies each query term's IDF by its focus. There are no parameters to tune besides the
smoothing (README, "Matching", has how little it matters).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from .types import SolutionFacts

__all__ = ["ALL_INDUSTRIES", "FOCUS_SMOOTHING", "CategoryFocus", "information_gain"]

FOCUS_SMOOTHING = 2.0
ALL_INDUSTRIES = "*"
NEUTRAL = 0.5


def information_gain(counts: Mapping[str, int], prior: Mapping[str, int], smoothing: float = FOCUS_SMOOTHING) -> float:
    """``KL(P(x | t) || P(x))`` in nats, where ``P(x | t)`` is ``counts`` smoothed towards the
    distribution of ``prior`` with ``smoothing`` pseudo-counts. 0.0 without a prior."""
    total_prior = sum(prior.values())
    if total_prior <= 0:
        return 0.0
    total = sum(counts.values())
    gain = 0.0
    for label, prior_count in prior.items():
        base = prior_count / total_prior
        if base <= 0:
            continue
        p = (counts.get(label, 0) + smoothing * base) / (total + smoothing)
        if p > 0:
            gain += p * math.log(p / base)
    return gain


def _industries(facts: SolutionFacts) -> Iterable[str]:
    return (ALL_INDUSTRIES,) if facts.all_industries or not facts.industries else facts.industries


class CategoryFocus:
    """Focus of terms over a catalog (see the module docstring), cached per term.

    ``reset(facts)`` takes the catalog-wide distributions and forgets cached terms; call it
    whenever the catalog changes. ``weight(term, holders)`` needs the facts of the solutions
    containing the term (``holders(term)``) the first time a term is asked for.
    """

    def __init__(self, smoothing: float = FOCUS_SMOOTHING) -> None:
        if smoothing <= 0:
            raise ValueError("smoothing must be > 0")
        self.smoothing = smoothing
        self._lock = threading.Lock()
        self._categories: Counter[str] = Counter()
        self._industries: Counter[str] = Counter()
        self._cache: dict[str, float] = {}

    def reset(self, facts: Iterable[SolutionFacts]) -> None:
        categories: Counter[str] = Counter()
        industries: Counter[str] = Counter()
        for item in facts:
            categories[item.category] += 1
            industries.update(_industries(item))
        with self._lock:
            self._categories, self._industries, self._cache = categories, industries, {}

    def weight(self, term: str, holders: Callable[[str], Iterable[SolutionFacts]]) -> float:
        with self._lock:  # one consistent generation, even if reset() runs meanwhile
            cache, all_categories, all_industries = self._cache, self._categories, self._industries
        cached = cache.get(term)
        if cached is not None:
            return cached
        categories: Counter[str] = Counter()
        industries: Counter[str] = Counter()
        for item in holders(term):
            categories[item.category] += 1
            industries.update(_industries(item))
        on_category = information_gain(categories, all_categories, self.smoothing)
        on_industry = information_gain(industries, all_industries, self.smoothing)
        total = on_category + on_industry
        value = on_category / total if total > 0 else NEUTRAL
        cache[term] = value
        return value
