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

import numpy as np

from .types import SolutionFacts

__all__ = ["ALL_INDUSTRIES", "FOCUS_SMOOTHING", "CatalogFocus", "CategoryFocus", "information_gain"]

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


def focus_value(
    categories: Mapping[str, int], industries: Mapping[str, int],
    all_categories: Mapping[str, int], all_industries: Mapping[str, int], smoothing: float,
) -> float:
    """A term's focus from its holders' counts by category and industry against the catalog's:
    the share of its information that is about the category (``NEUTRAL`` when it tells nothing)."""
    on_category = information_gain(categories, all_categories, smoothing)
    on_industry = information_gain(industries, all_industries, smoothing)
    total = on_category + on_industry
    return on_category / total if total > 0 else NEUTRAL


class _CatalogDistributions:
    """The smoothing and the catalog-wide counts by category and industry that a focus reads."""

    def __init__(self, smoothing: float = FOCUS_SMOOTHING) -> None:
        if smoothing <= 0:
            raise ValueError("smoothing must be > 0")
        self.smoothing = smoothing
        self._lock = threading.Lock()
        self._categories: Counter[str] = Counter()
        self._industries: Counter[str] = Counter()


class CategoryFocus(_CatalogDistributions):
    """Focus of terms over a catalog (see the module docstring), cached per term, made again
    from scratch whenever the catalog changes: the reference that :class:`CatalogFocus`, which the
    matcher uses, is tested against.

    ``reset(facts)`` takes the catalog-wide distributions and forgets cached terms; call it
    whenever the catalog changes. ``weight(term, holders)`` needs the facts of the solutions
    containing the term (``holders(term)``) the first time a term is asked for.
    """

    def __init__(self, smoothing: float = FOCUS_SMOOTHING) -> None:
        super().__init__(smoothing)
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
        value = focus_value(categories, industries, all_categories, all_industries, self.smoothing)
        cache[term] = value
        return value


_ID_CAP = 1 << 26  # solution ids up to this are looked up in arrays; beyond it, in the facts
_MAX_LABELS = 64  # industry labels (with "*") that fit a bit mask


class CatalogFocus(_CatalogDistributions):
    """:class:`CategoryFocus` kept in step with a changing catalog instead of made again.

    ``CategoryFocus`` forgets every term when the catalog changes, and then counts each term's
    holders one ``SolutionFacts`` at a time: after any write, the next searches count every
    holder of each of their terms again (millions in a large catalog). Here:

    * the catalog-wide distributions follow each write (``put``, ``discard``);
    * each term's counts by category and industry are kept until its holders may have changed:
      a written solution's terms are forgotten (``forget``), and a term that lost a holder (a
      removal, or a rewrite without it) is noticed by its document frequency, which is stored
      with its counts and compared on use (``weight``'s ``frequency``);
    * a term's counts are made from its holders' ids with numpy: each solution's category code
      and industry bit mask are kept in arrays indexed by id.

    The focus values are those of ``CategoryFocus`` over the current catalog (same formula, same
    counts). With ids beyond ``_ID_CAP`` or more than 64 industry labels it counts holders'
    facts as ``CategoryFocus`` does.
    """

    def __init__(self, smoothing: float = FOCUS_SMOOTHING) -> None:
        super().__init__(smoothing)
        self._generation = 0  # of the catalog-wide distributions
        self._epoch = 0  # of any write (a term counted during a write is not kept)
        self._category_codes: dict[str, int] = {}
        self._category_names: list[str] = []
        self._industry_bits: dict[str, int] = {}
        self._industry_names: list[str] = []
        self._category_of = np.full(0, -1, dtype=np.int16)
        self._industries_of = np.zeros(0, dtype=np.uint64)
        self._facts: dict[int, tuple[str, tuple[str, ...]]] = {}  # what each id was counted as
        self._arrays = True  # False once an id or an industry label does not fit the arrays
        # term -> (document frequency, category counts, industry counts), and term -> (generation, focus)
        self._counts: dict[str, tuple[int, dict[str, int], dict[str, int]]] = {}
        self._values: dict[str, tuple[int, float]] = {}

    @property
    def cached(self) -> bool:
        """Whether any term's counts are kept (writes then name their terms to ``forget``)."""
        return bool(self._counts)

    def put(self, facts: SolutionFacts) -> None:
        """Count a solution in (replacing what it was counted as)."""
        category, industries = facts.category, tuple(_industries(facts))
        with self._lock:
            self._uncount(facts.id)
            self._facts[facts.id] = (category, industries)
            self._categories[category] += 1
            self._industries.update(industries)
            self._generation += 1
            self._epoch += 1
            if self._arrays:
                self._put_codes(facts.id, category, industries)

    def discard(self, solution_id: int) -> None:
        with self._lock:
            if self._uncount(solution_id):
                self._generation += 1
            self._epoch += 1

    def forget(self, terms: Iterable[str]) -> None:
        """Drop the counts of ``terms`` (their holders changed)."""
        with self._lock:
            self._epoch += 1
            counts, values = self._counts, self._values
            for term in terms:
                counts.pop(term, None)
                values.pop(term, None)

    def weight(
        self,
        term: str,
        holder_ids: Callable[[str], Iterable[int]],
        frequency: Callable[[str], int],
        facts: Mapping[int, SolutionFacts],
    ) -> float:
        """Focus of ``term``: ``holder_ids(term)`` are the indexed solutions containing it,
        ``frequency(term)`` their number as the lexical index counts it (checked against the
        kept counts), ``facts`` the catalog (for ids that do not fit the arrays)."""
        df = int(frequency(term))
        with self._lock:
            epoch, generation = self._epoch, self._generation
            kept, value = self._counts.get(term), self._values.get(term)
            if kept is not None and kept[0] == df:
                if value is not None and value[0] == generation:
                    return value[1]
                result = self._focus(kept[1], kept[2])  # the catalog changed, not this term's holders
                self._values[term] = (generation, result)
                return result
        ids = list(holder_ids(term))
        with self._lock:
            if self._arrays:
                categories, industries = self._count_arrays(np.asarray(ids, dtype=np.int64))
            else:
                categories, industries = self._count_facts(ids, facts)
            result = self._focus(categories, industries)
            if self._epoch == epoch:  # no write since the holders were read
                self._counts[term] = (df, categories, industries)
                self._values[term] = (generation, result)
        return result

    # ------------------------------------------------------------------- internals

    def _focus(self, categories: Mapping[str, int], industries: Mapping[str, int]) -> float:
        """:func:`focus_value` against the current catalog (caller holds the lock)."""
        return focus_value(categories, industries, self._categories, self._industries, self.smoothing)

    def _uncount(self, solution_id: int) -> bool:
        old = self._facts.pop(solution_id, None)
        if old is None:
            return False
        self._categories[old[0]] -= 1
        self._industries.subtract(old[1])
        if self._arrays and solution_id < len(self._category_of):
            self._category_of[solution_id] = -1
            self._industries_of[solution_id] = 0
        return True

    def _put_codes(self, solution_id: int, category: str, industries: tuple[str, ...]) -> None:
        if solution_id < 0 or solution_id >= _ID_CAP:
            self._arrays = False
            return
        for name in industries:
            if name not in self._industry_bits:
                if len(self._industry_names) >= _MAX_LABELS:
                    self._arrays = False
                    return
                self._industry_bits[name] = len(self._industry_names)
                self._industry_names.append(name)
        code = self._category_codes.get(category)
        if code is None:
            code = self._category_codes[category] = len(self._category_names)
            self._category_names.append(category)
        if solution_id >= len(self._category_of):
            size = max(1024, solution_id + 1, 2 * len(self._category_of))
            grown = np.full(size, -1, dtype=np.int16)
            grown[: len(self._category_of)] = self._category_of
            masks = np.zeros(size, dtype=np.uint64)
            masks[: len(self._industries_of)] = self._industries_of
            self._category_of, self._industries_of = grown, masks
        self._category_of[solution_id] = code
        mask = 0
        for name in industries:
            mask |= 1 << self._industry_bits[name]
        self._industries_of[solution_id] = np.uint64(mask)

    def _count_arrays(self, ids: np.ndarray) -> tuple[dict[str, int], dict[str, int]]:
        ids = ids[(ids >= 0) & (ids < len(self._category_of))]
        codes = self._category_of[ids]
        held = codes >= 0
        codes, masks = codes[held], self._industries_of[ids[held]]
        counted = np.bincount(codes, minlength=len(self._category_names)) if len(codes) else []
        categories = {self._category_names[c]: int(n) for c, n in enumerate(counted) if n}
        industries = {}
        for bit, name in enumerate(self._industry_names):
            n = int(np.count_nonzero(masks & np.uint64(1 << bit)))
            if n:
                industries[name] = n
        return categories, industries

    def _count_facts(self, ids: Iterable[int], facts: Mapping[int, SolutionFacts]) -> tuple[dict[str, int], dict[str, int]]:
        categories: Counter[str] = Counter()
        industries: Counter[str] = Counter()
        for doc_id in ids:
            item = facts.get(doc_id)
            if item is not None and doc_id in self._facts:
                categories[item.category] += 1
                industries.update(_industries(item))
        return dict(categories), dict(industries)
