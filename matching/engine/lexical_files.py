"""Saving and loading a BM25 index (``BM25Index`` inherits these).

The file is an uncompressed ``.npz`` (a zip of ``.npy`` members, readable by ``np.load``) whose
members start at 64-byte offsets, so :meth:`BM25Files.load` memory-maps them instead of reading
them: the web processes that load the same file share its pages through the page cache, and
only the pages a search touches become resident. The mapping is copy-on-write
(``mmap.ACCESS_COPY``): a later update or removal writes a private copy of the page it changes,
never the file, and a save replaces the file by a rename, so processes that mapped the old one
keep reading it. Files of format 2 (one ``.npz`` read whole, postings in document order) and the
older JSON files are still read; the impact order and the forward index are built on loading
them. The tokenizer identity is checked so a file built with another dictionary is never searched.
"""
from __future__ import annotations

import io
import json
import mmap
import os
import struct
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._files import atomic_open
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from .slotmap import SlotMap
from .tokenizer import Tokenizer

if TYPE_CHECKING:
    from .lexical import BM25Index

__all__ = ["BM25Files", "read_arrays", "write_arrays"]

#: Members start at multiples of this many bytes (numpy pads an ``.npy`` header to 64 too).
_ALIGN = 64
#: Zip "extra field" id of the alignment padding (the one Android's zipalign uses).
_PADDING_ID = 0xD935
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
_CHUNK = 1 << 26


def write_arrays(handle: Any, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to the open binary file ``handle`` as an uncompressed ``.npz`` whose
    array data start at 64-byte offsets (so :func:`read_arrays` can map them)."""
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            array = array if array.flags.c_contiguous else np.array(array, order="C")  # keeps 0-d
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(header, np.lib.format.header_data_from_array_1_0(array))
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = header.tell() + array.nbytes
            # local header: 30 bytes, the name, our extra field (4 + padding), zip64 field (20)
            before = archive.start_dir + 30 + len(info.filename.encode("utf-8")) + 4 + 20
            padding = -before % _ALIGN
            info.extra = struct.pack("<HH", _PADDING_ID, padding) + bytes(padding)
            with archive.open(info, "w", force_zip64=True) as member:
                member.write(header.getvalue())
                data = memoryview(array.reshape(-1).view(np.uint8)) if array.size else memoryview(b"")
                for start in range(0, len(data), _CHUNK):
                    member.write(data[start : start + _CHUNK])


def read_arrays(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file: each uncompressed, aligned member as a view of one
    copy-on-write mapping of the file (not read; shared with other processes mapping it),
    others read. Raises ``zipfile.BadZipFile`` / ``ValueError`` on a damaged file."""
    with open(path, "rb") as handle:
        archive = zipfile.ZipFile(handle)  # reads the central directory: a truncated file fails here
        size = os.fstat(handle.fileno()).st_size
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY) if size else None
        arrays: dict[str, np.ndarray] = {}
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"unexpected member {info.filename!r}")
            name = info.filename[: -len(".npy")]
            if info.compress_type != zipfile.ZIP_STORED or mapped is None:
                with archive.open(info) as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                continue
            signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(mapped, info.header_offset)
            if signature != b"PK\x03\x04":
                raise ValueError(f"member {name}: no local header")
            start = info.header_offset + 30 + name_length + extra_length
            if start + info.file_size > size:
                raise ValueError(f"member {name}: data past the end of the file")
            head = io.BytesIO(mapped[start : start + min(info.file_size, 1 << 16)])
            version = np.lib.format.read_magic(head)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(head)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(head)
            else:
                raise ValueError(f"member {name}: .npy version {version}")
            if dtype.hasobject:
                raise ValueError(f"member {name}: object arrays are not read")
            count = int(np.prod(shape, dtype=np.int64))
            offset = start + head.tell()
            if head.tell() + count * dtype.itemsize != info.file_size:
                raise ValueError(f"member {name}: {info.file_size} bytes do not hold shape {shape}")
            array = np.frombuffer(mapped, dtype=dtype, count=count, offset=offset)
            if offset % max(dtype.alignment, 1):
                array = array.copy()  # an unaligned member (written by np.savez) is read
            arrays[name] = array.reshape(shape, order="F" if fortran else "C")
        archive.close()
    return arrays


class BM25Files:
    """Persistence of :class:`~matching.engine.lexical.BM25Index`."""


    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON state: parameters, tokenizer identity and each document's term counts."""
        with self._lock.read():
            docs: dict[str, dict[str, int]] = {}
            terms = np.repeat(np.arange(len(self._post_ptr) - 1), np.diff(self._post_ptr))
            order = np.lexsort((terms, self._post_slot))  # documents' terms in term-id order
            for slot, term, tf in zip(
                self._post_slot[order].tolist(), terms[order].tolist(), self._post_tf[order].tolist(), strict=True
            ):
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
            if data["format"] not in (1, 2, cls.FORMAT):  # formats 1 and 2 held the same fields
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
        """Atomically write the sealed index (after sealing) as an uncompressed, aligned ``.npz``
        that :meth:`load` memory-maps (module docstring). Term frequencies are stored in one
        byte when every one fits."""
        with self._lock.write():
            self.seal_locked()
            self._fix_df()
            header = {
                "format": self.FORMAT,
                "tokenizer": self.tokenizer.identity,
                "k1": self.k1,
                "b": self.b,
                "count": len(self._slot_of),
                "level_avgdl": self._level_avgdl,
                "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            narrow = not self._post_tf.size or int(self._post_tf.max()) <= np.iinfo(np.uint8).max
            tf_type = np.uint8 if narrow else np.uint16
            term_type = np.uint16 if len(self._terms) <= np.iinfo(np.uint16).max + 1 else np.int32
            arrays = {
                "header": np.array(json.dumps(header, ensure_ascii=False)),
                "terms": np.array("\x00".join(self._terms)),
                "post_ptr": self._post_ptr,
                "post_slot": self._post_slot,
                "post_tf": self._post_tf.astype(tf_type, copy=False),
                "level_ptr": self._level_ptr,
                "fwd_ptr": self._fwd_ptr,
                "fwd_term": self._fwd_term.astype(term_type, copy=False),
                "fwd_tf": self._fwd_tf.astype(tf_type, copy=False),
                "df": self._df[: len(self._terms)],
                "slot_ids": self._slot_ids[: self._used_slots],
                "doc_len": self._doc_len[: self._used_slots],
            }
            with atomic_open(path) as handle:
                write_arrays(handle, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str], tokenizer: Tokenizer | None = None) -> BM25Index:
        """Load a file written by :meth:`save`, memory-mapped (module docstring); missing, corrupt
        and mismatch errors as for vectors. Also reads format-2 ``.npz`` files and the JSON
        files that earlier versions wrote. The arrays' sizes are checked against each other,
        not every value (that would read every page)."""
        tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        try:
            with open(path, "rb") as handle:
                start = handle.read(1)
        except FileNotFoundError as exc:
            raise IndexMissingError(f"BM25 file not found: {path}") from exc
        if start == b"{":
            return cls._load_json(path, Path(path).read_bytes(), tokenizer)
        try:
            arrays = read_arrays(path)
            header = json.loads(str(arrays.pop("header")))
            terms_joined = str(arrays.pop("terms"))
        except (OSError, ValueError, KeyError, EOFError, struct.error, zipfile.BadZipFile) as exc:
            raise IndexCorruptError(f"{path}: unreadable BM25 file: {exc!r}") from exc
        if header.get("format") not in (2, cls.FORMAT):
            raise IndexCorruptError(f"{path}: unsupported BM25 format {header.get('format')!r}")
        if header.get("tokenizer") != tokenizer.identity:
            raise IndexMismatchError(
                f"BM25 data was built with tokenizer {header.get('tokenizer')!r}, "
                f"current tokenizer is {tokenizer.identity!r}; rebuild it"
            )
        index = cls(tokenizer, k1=float(header["k1"]), b=float(header["b"]))
        index._terms = terms_joined.split("\x00") if terms_joined else []
        index._vocab = {term: number for number, term in enumerate(index._terms)}
        try:
            index._df = _typed(arrays["df"], np.int64)
            index._slot_ids = _typed(arrays["slot_ids"], np.int64)
            index._doc_len = _typed(arrays["doc_len"], np.float32)
            post_ptr = _typed(arrays["post_ptr"], np.int64)
            post_slot = _typed(arrays["post_slot"], np.int32)
            post_tf = arrays["post_tf"]
            if post_tf.dtype not in (np.uint8, np.uint16):
                raise ValueError(f"term frequencies of type {post_tf.dtype}")
        except (KeyError, ValueError) as exc:
            raise IndexCorruptError(f"{path}: BM25 arrays missing or of the wrong type: {exc!r}") from exc
        index._used_slots = index._sealed_slots = len(index._slot_ids)
        try:
            index._slot_of = SlotMap(index._slot_ids)
        except ValueError as exc:
            raise IndexCorruptError(f"{path}: {exc}") from exc
        index._total_len = int(index._doc_len.sum(dtype=np.float64))
        vocabulary = len(index._terms)
        consistent = (
            len(post_ptr) == vocabulary + 1
            and len(index._df) == vocabulary
            and len(index._doc_len) == index._used_slots
            and int(post_ptr[0]) == 0
            and int(post_ptr[-1]) == len(post_slot) == len(post_tf)
            and bool(np.all(np.diff(post_ptr) >= 0))
            and len(index._slot_of) == header.get("count")
        )
        if consistent and header["format"] == cls.FORMAT:
            try:
                level_ptr = _typed(arrays["level_ptr"], np.int64)
                fwd_ptr = _typed(arrays["fwd_ptr"], np.int64)
                fwd_term, fwd_tf = arrays["fwd_term"], arrays["fwd_tf"]
            except (KeyError, ValueError) as exc:
                raise IndexCorruptError(f"{path}: BM25 arrays missing or of the wrong type: {exc!r}") from exc
            consistent = (
                level_ptr.ndim == 2
                and level_ptr.shape[0] == vocabulary
                and np.array_equal(level_ptr[:, 0], post_ptr[:-1])
                and np.array_equal(level_ptr[:, -1], post_ptr[1:])
                and bool(np.all(np.diff(level_ptr, axis=1) >= 0))
                and len(fwd_ptr) == index._used_slots + 1
                and int(fwd_ptr[0]) == 0
                and int(fwd_ptr[-1]) == len(fwd_term) == len(fwd_tf) == len(post_slot)
                and fwd_term.dtype in (np.uint16, np.int32)
                and fwd_tf.dtype in (np.uint8, np.uint16)
                and isinstance(header.get("level_avgdl"), (int, float))
            )
            index._post_ptr, index._post_slot, index._post_tf = post_ptr, post_slot, post_tf
            index._level_ptr, index._fwd_ptr, index._fwd_term, index._fwd_tf = level_ptr, fwd_ptr, fwd_term, fwd_tf
            index._level_avgdl = float(header.get("level_avgdl") or 1.0)
        elif consistent:  # format 2: postings in document order; the search layout is built here
            if post_slot.size and int(post_slot.max()) >= index._used_slots:
                consistent = False
            else:
                terms = np.repeat(np.arange(vocabulary, dtype=np.int32), np.diff(post_ptr))
                index._set_postings(terms, post_slot, post_tf)
        if not consistent:
            raise IndexCorruptError(f"{path}: BM25 arrays disagree with each other or with the header")
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


def _typed(array: np.ndarray, dtype: type) -> np.ndarray:
    """``array`` itself (a view of the mapping) when it has ``dtype``; else a converted copy."""
    if array.dtype == dtype:
        return array
    if not np.can_cast(array.dtype, dtype, casting="same_kind"):
        raise ValueError(f"{array.dtype} where {np.dtype(dtype)} was expected")
    return array.astype(dtype)
