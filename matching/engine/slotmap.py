"""Document id -> slot of a loaded BM25 index, without a million-entry dict per process."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["SlotMap"]

_MISSING = object()


class SlotMap:
    """The ``dict`` operations ``BM25Index`` uses on its id -> slot map (``len``, ``in``, ``get``,
    ``[]``, ``pop``, assignment), over the ids sorted once on loading (16 bytes a document,
    binary search per lookup) plus a dict of the changes since. A dict of a million ints costs
    about 100 MB of private memory in every process that loads the index; this costs 16 MB."""

    def __init__(self, slot_ids: np.ndarray) -> None:
        live = np.flatnonzero(slot_ids >= 0)
        ids = slot_ids[live]
        order = np.argsort(ids, kind="stable")
        self._ids = np.ascontiguousarray(ids[order], dtype=np.int64)
        self._slots = live[order].astype(np.int64)
        if self._ids.size and np.any(self._ids[1:] == self._ids[:-1]):
            raise ValueError("a document id holds two slots")
        self._removed: set[int] = set()  # ids of the sorted arrays removed since loading
        self._added: dict[int, int] = {}

    def _base(self, doc_id: int) -> int | None:
        at = int(np.searchsorted(self._ids, doc_id))
        if at < len(self._ids) and int(self._ids[at]) == doc_id and doc_id not in self._removed:
            return int(self._slots[at])
        return None

    def __len__(self) -> int:
        return len(self._ids) - len(self._removed) + len(self._added)

    def __contains__(self, doc_id: object) -> bool:
        return self.get(doc_id) is not None  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[int]:
        yield from (int(i) for i in self._ids.tolist() if i not in self._removed)
        yield from self._added

    def slots_of(self, doc_ids: np.ndarray) -> np.ndarray:
        """The slot of each id, -1 for an id not held (one binary search for all of them)."""
        doc_ids = np.asarray(doc_ids, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._ids, doc_ids), max(len(self._ids) - 1, 0))
        slots = np.full(len(doc_ids), -1, dtype=np.int64)
        if len(self._ids):
            found = self._ids[at] == doc_ids
            slots[found] = self._slots[at[found]]
        if self._removed:
            slots[np.isin(doc_ids, np.fromiter(self._removed, dtype=np.int64, count=len(self._removed)))] = -1
        if self._added:
            for position in np.flatnonzero(np.isin(doc_ids, np.fromiter(self._added, dtype=np.int64, count=len(self._added)))):
                slots[position] = self._added[int(doc_ids[position])]
        return slots

    def get(self, doc_id: int, default: int | None = None) -> int | None:
        slot = self._added.get(doc_id)
        if slot is None:
            slot = self._base(doc_id)
        return default if slot is None else slot

    def __getitem__(self, doc_id: int) -> int:
        slot = self.get(doc_id)
        if slot is None:
            raise KeyError(doc_id)
        return slot

    def pop(self, doc_id: int, default: object = _MISSING) -> int | None:
        if doc_id in self._added:
            return self._added.pop(doc_id)
        slot = self._base(doc_id)
        if slot is not None:
            self._removed.add(doc_id)
            return slot
        if default is _MISSING:
            raise KeyError(doc_id)
        return default  # type: ignore[return-value]

    def __setitem__(self, doc_id: int, slot: int) -> None:
        if doc_id not in self._added and self._base(doc_id) is not None:
            self._removed.add(doc_id)
        self._added[doc_id] = int(slot)
