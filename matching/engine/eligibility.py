"""Which indexed solutions pass a need's hard filters, found without scanning the catalog's facts.

``FilterColumns`` keeps, per indexed solution (one slot each), the two facts the hard filters of
every search read: the cheapest price (over budget: ``price_min > budget_max``) and the cities it
serves as a bit mask (it sits in the city or serves it; every bit for a provider serving the whole
province), the same rule as ``fit.region_case`` != "none". A search under tight filters asks for
the eligible ids (two vectorised comparisons over the slots, about a millisecond a million) and
scores only them exactly (``VectorIndex.search_among``) instead of over-fetching the whole index.
Kept in step by ``Matcher.upsert``/``remove``; thread-safe (writes and reads take one lock)."""
from __future__ import annotations

import threading

import numpy as np

from .types import NeedQuery, SolutionFacts

__all__ = ["FilterColumns"]

_EVERYWHERE = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
_MAX_CITIES = 64


class FilterColumns:
    """Price and served cities of every indexed solution, by slot (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slot_of: dict[int, int] = {}
        self._free: list[int] = []
        self._ids = np.full(0, -1, dtype=np.int64)
        self._price = np.zeros(0, dtype=np.int64)
        self._cities = np.zeros(0, dtype=np.uint64)
        self._bit_of: dict[str, np.uint64] = {}
        self._overflow = False  # more than 64 cities: the region filter is left to the exact check

    def __len__(self) -> int:
        return len(self._slot_of)

    @property
    def exact(self) -> bool:
        """Whether :meth:`eligible` applies the region filter exactly (at most 63 cities seen)."""
        return not self._overflow

    def put(self, facts: SolutionFacts) -> None:
        with self._lock:
            slot = self._slot_of.get(facts.id)
            if slot is None:
                slot = self._free.pop() if self._free else self._grow()
                self._slot_of[facts.id] = slot
            self._ids[slot] = facts.id
            self._price[slot] = facts.price_min
            self._cities[slot] = self._mask(facts)

    def discard(self, solution_id: int) -> None:
        with self._lock:
            slot = self._slot_of.pop(solution_id, None)
            if slot is not None:
                self._ids[slot], self._cities[slot] = -1, 0
                self._free.append(slot)

    def eligible(self, query: NeedQuery, *, budget: bool, region: bool) -> np.ndarray | None:
        """Ids of the solutions within the need's budget (when ``budget``) and serving its city
        (when ``region``), or None when neither filter applies to this need."""
        budget = budget and query.budget_max is not None
        region = region and query.city is not None
        if not budget and not region:
            return None
        with self._lock:
            keep = self._ids >= 0
            if budget:
                keep &= self._price <= query.budget_max
            if region and not self._overflow:
                bit = self._bit_of.get(query.city or "")
                if bit is None:
                    keep &= self._cities == _EVERYWHERE
                else:
                    keep &= (self._cities & bit) != 0
            return np.sort(self._ids[keep])

    # ------------------------------------------------------------------- internals

    def _grow(self) -> int:
        used = len(self._ids)
        size = max(1024, used * 2)
        self._ids = np.concatenate([self._ids, np.full(size - used, -1, dtype=np.int64)])
        self._price = np.concatenate([self._price, np.zeros(size - used, dtype=np.int64)])
        self._cities = np.concatenate([self._cities, np.zeros(size - used, dtype=np.uint64)])
        self._free.extend(range(size - 1, used, -1))
        return used

    def _mask(self, facts: SolutionFacts) -> np.uint64:
        if facts.all_regions:
            return _EVERYWHERE
        mask = np.uint64(0)
        for city in {*facts.regions, facts.provider_city} - {""}:
            if city not in self._bit_of:
                if len(self._bit_of) >= _MAX_CITIES - 1:  # the top bit alone never means one city
                    self._overflow = True
                    continue
                self._bit_of[city] = np.uint64(1) << np.uint64(len(self._bit_of))
            mask |= self._bit_of[city]
        return mask
