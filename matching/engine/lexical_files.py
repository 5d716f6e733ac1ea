"""Saving and loading a BM25 index (``BM25Index`` inherits these): one ``.npz`` of its arrays,
older JSON files still read; the tokenizer identity is checked so a file built with another
dictionary is never searched."""
from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._files import atomic_write
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from .tokenizer import Tokenizer

if TYPE_CHECKING:
    from .lexical import BM25Index

__all__ = ["BM25Files"]


class BM25Files:
    """Persistence of :class:`~matching.engine.lexical.BM25Index`."""


    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON state: parameters, tokenizer identity and each document's term counts."""
        with self._lock.read():
            docs: dict[str, dict[str, int]] = {}
            terms = np.repeat(np.arange(len(self._post_ptr) - 1), np.diff(self._post_ptr))
            for slot, term, tf in zip(self._post_slot.tolist(), terms.tolist(), self._post_tf.tolist(), strict=True):
                doc_id = int(self._slot_ids[slot])
                if doc_id >= 0:
                    docs.setdefault(str(doc_id), {})[self._terms[term]] = tf
            for slot, counts in self._open_docs.items():
                docs[str(int(self._slot_ids[slot]))] = {self._terms[t]: tf for t, tf in counts.items()}
        return {"format": self.FORMAT, "tokenizer": self.tokenizer.identity, "k1": self.k1, "b": self.b, "docs": docs}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], tokenizer: Tokenizer | None = None) -> BM25Index:
        """Rebuild from :meth:`to_dict` output; the tokenizer must match the one that built it."""
        tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        try:
            if data["format"] not in (1, cls.FORMAT):  # format 1 held the same fields
                raise IndexCorruptError(f"unsupported BM25 format {data['format']!r}")
            if data["tokenizer"] != tokenizer.identity:
                raise IndexMismatchError(
                    f"BM25 data was built with tokenizer {data['tokenizer']!r}, "
                    f"current tokenizer is {tokenizer.identity!r}; rebuild it"
                )
            index = cls(tokenizer, k1=float(data["k1"]), b=float(data["b"]))
            index.add_counts(
                (int(doc_id), {str(t): int(tf) for t, tf in terms.items()}) for doc_id, terms in data["docs"].items()
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexCorruptError(f"unreadable BM25 data: {exc!r}") from exc
        return index

    def save(self, path: str | os.PathLike[str]) -> None:
        """Atomically write the sealed matrix as uncompressed numpy arrays (an ``.npz``), after
        sealing: a million documents save and load in seconds, not as a JSON of dicts."""
        with self._lock.write():
            self.seal_locked()
            self._fix_df()
            bounds, bounds_avgdl = self._impact_bounds()
            header = {
                "format": self.FORMAT,
                "tokenizer": self.tokenizer.identity,
                "k1": self.k1,
                "b": self.b,
                "count": len(self._slot_of),
                "impact_avgdl": bounds_avgdl,
                "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            buffer = io.BytesIO()
            np.savez(
                buffer,
                header=np.array(json.dumps(header, ensure_ascii=False)),
                terms=np.array("\x00".join(self._terms)),
                post_ptr=self._post_ptr,
                post_slot=self._post_slot,
                post_tf=self._post_tf,
                df=self._df[: len(self._terms)],
                slot_ids=self._slot_ids[: self._used_slots],
                doc_len=self._doc_len[: self._used_slots],
                impact_bounds=bounds,
            )
        atomic_write(path, [buffer.getvalue()])

    @classmethod
    def load(cls, path: str | os.PathLike[str], tokenizer: Tokenizer | None = None) -> BM25Index:
        """Load a file written by :meth:`save` (missing, corrupt and mismatch errors as for vectors);
        also reads the JSON files that earlier versions wrote."""
        tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError as exc:
            raise IndexMissingError(f"BM25 file not found: {path}") from exc
        if raw[:1] == b"{":
            return cls._load_json(path, raw, tokenizer)
        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                arrays = {name: data[name] for name in data.files if name not in ("header", "terms")}
                terms_joined = str(data["terms"])
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise IndexCorruptError(f"{path}: unreadable BM25 file: {exc!r}") from exc
        if header.get("format") != cls.FORMAT:
            raise IndexCorruptError(f"{path}: unsupported BM25 format {header.get('format')!r}")
        if header.get("tokenizer") != tokenizer.identity:
            raise IndexMismatchError(
                f"BM25 data was built with tokenizer {header.get('tokenizer')!r}, "
                f"current tokenizer is {tokenizer.identity!r}; rebuild it"
            )
        index = cls(tokenizer, k1=float(header["k1"]), b=float(header["b"]))
        index._terms = terms_joined.split("\x00") if terms_joined else []
        index._vocab = {term: number for number, term in enumerate(index._terms)}
        index._post_ptr = arrays["post_ptr"].astype(np.int64)
        index._post_slot = arrays["post_slot"].astype(np.int32)
        index._post_tf = arrays["post_tf"].astype(np.uint16)
        index._df = arrays["df"].astype(np.int64)
        index._slot_ids = arrays["slot_ids"].astype(np.int64)
        index._doc_len = arrays["doc_len"].astype(np.float32)
        index._used_slots = index._sealed_slots = len(index._slot_ids)
        live = np.flatnonzero(index._slot_ids >= 0)
        index._slot_of = dict(zip(index._slot_ids[live].tolist(), live.tolist(), strict=True))
        index._total_len = int(index._doc_len.sum())
        consistent = (
            len(index._post_ptr) == len(index._terms) + 1
            and len(index._df) == len(index._terms)
            and int(index._post_ptr[-1]) == len(index._post_slot) == len(index._post_tf)
            and (index._post_slot.size == 0 or int(index._post_slot.max()) < index._used_slots)
            and len(index._slot_of) == header.get("count")
        )
        if not consistent:
            raise IndexCorruptError(f"{path}: BM25 arrays disagree with each other or with the header")
        bounds = arrays.get("impact_bounds")  # files saved before MaxScore have none: computed when needed
        if bounds is not None and len(bounds) == len(index._terms) and header.get("impact_avgdl"):
            index._bounds = (bounds.astype(np.float32), float(header["impact_avgdl"]))
        return index

    @classmethod
    def _load_json(cls, path: str | os.PathLike[str], raw: bytes, tokenizer: Tokenizer) -> BM25Index:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IndexCorruptError(f"{path}: unreadable BM25 file: {exc}") from exc
        if not isinstance(data, dict):
            raise IndexCorruptError(f"{path}: BM25 file is not a JSON object")
        index = cls.from_dict(data, tokenizer)
        if "count" in data and len(index) != data["count"]:
            raise IndexCorruptError(f"{path}: {len(index)} documents, file says {data['count']}")
        return index
