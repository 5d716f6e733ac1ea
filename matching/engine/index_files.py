"""The index file of :class:`~matching.engine.index.VectorIndex` (which inherits these): a
magic string, a length-prefixed JSON header, then the FAISS payload (written beside it for a
memory-mappable kind); written atomically, versioned, checked on load."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import faiss
import numpy as np

from ._files import atomic_write
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError

if TYPE_CHECKING:
    from .index import VectorIndex

__all__ = ["DEFAULT_LARGE_THRESHOLD", "FORMAT_VERSION", "MAGIC", "VectorIndexFiles", "ivf_ids"]

logger = logging.getLogger(__name__)

MAGIC = b"MATCHIDX"
FORMAT_VERSION = 1
_HEADER_LEN = struct.Struct("<I")
#: From this many vectors the index is IVF with 8-bit scalar quantisation (README "Scale").
DEFAULT_LARGE_THRESHOLD = 200_000


class VectorIndexFiles:
    """Saving and loading a :class:`~matching.engine.index.VectorIndex`."""


    def save(self, path: str | os.PathLike[str]) -> int:
        """Atomically write the index to ``path``; returns the new version number.

        The version is one more than both this object's version and the version of the file
        currently at ``path`` (so versions increase even across processes).
        """
        target = Path(path)
        previous = 0
        if target.exists():
            try:
                previous = int(self.read_metadata(target).get("version", 0))
            except IndexCorruptError as exc:
                logger.warning("overwriting unreadable index file %s: %s", target, exc)
        with self._lock.read():
            payload = faiss.serialize_index(self._index).tobytes()
            header = self.metadata()
        header["version"] = max(self.version, previous) + 1
        header["created_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        header["payload_bytes"] = len(payload)
        header["payload_sha256"] = hashlib.sha256(payload).hexdigest()
        beside = header["kind"] == "ivf_sq8"  # a separate file that FAISS can memory-map
        if beside:
            header["payload_file"] = f"{target.name}.v{header['version']}.faiss"
            atomic_write(target.with_name(header["payload_file"]), [payload])
        raw_header = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
        atomic_write(target, [MAGIC, _HEADER_LEN.pack(len(raw_header)), raw_header] + ([] if beside else [payload]))
        for old in target.parent.glob(f"{target.name}.v*.faiss"):  # readers keep their open mappings
            if old.name != header.get("payload_file"):
                old.unlink(missing_ok=True)
        self.version = header["version"]
        self.created_at = header["created_at"]
        return self.version

    @staticmethod
    def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
        """Read only the JSON header of an index file."""
        with _open_index_file(path) as handle:
            return _read_header(handle, path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        expected_identity: str | None = None,
        expected_recipe: str | None = None,
        mmap: bool = False,
    ) -> VectorIndex:
        """Load an index written by :meth:`save`.

        ``mmap=True`` memory-maps an ``ivf_sq8`` payload instead of reading it (processes that
        load the same file share its pages); its size is checked but not its checksum, which
        would read every page. Other kinds are always read.

        Raises :class:`IndexMissingError` if there is no file, :class:`IndexMismatchError`
        if it was built by another embedder identity or text recipe than expected, and
        :class:`IndexCorruptError` if the file cannot be read back faithfully.
        """
        with _open_index_file(path) as handle:
            header = _read_header(handle, path)
            if expected_identity is not None and header.get("identity") != expected_identity:
                raise IndexMismatchError(
                    f"{path}: built with embedder {header.get('identity')!r}, "
                    f"expected {expected_identity!r}; rebuild the index"
                )
            if expected_recipe is not None and header.get("recipe") != expected_recipe:
                raise IndexMismatchError(
                    f"{path}: built with text recipe {header.get('recipe')!r}, "
                    f"expected {expected_recipe!r}; rebuild the index"
                )
            payload = handle.read()
        payload_file = header.get("payload_file")
        mapped: Path | None = None
        if payload_file is not None:
            payload_path = Path(path).with_name(str(payload_file))
            if payload or "/" in str(payload_file) or "\\" in str(payload_file):
                raise IndexCorruptError(f"{path}: header names a payload file and carries a payload")
            try:
                size = payload_path.stat().st_size
            except FileNotFoundError as exc:
                raise IndexCorruptError(f"{path}: payload file {payload_path.name} is missing") from exc
            if mmap:
                if size != int(header.get("payload_bytes", -1)):
                    raise IndexCorruptError(f"{path}: payload is {size} bytes, header says {header.get('payload_bytes')}")
                mapped = payload_path
            else:
                payload = payload_path.read_bytes()
        try:
            expected_bytes = int(header["payload_bytes"])
            expected_sha = str(header["payload_sha256"])
            obj = cls(
                int(header["dim"]),
                identity=str(header["identity"]),
                recipe=str(header["recipe"]),
                approx_threshold=int(header["approx_threshold"]),
                large_threshold=int(header.get("large_threshold") or DEFAULT_LARGE_THRESHOLD),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexCorruptError(f"{path}: incomplete header: {exc!r}") from exc
        if mapped is None and len(payload) != expected_bytes:
            raise IndexCorruptError(f"{path}: payload is {len(payload)} bytes, header says {expected_bytes}")
        if mapped is None and hashlib.sha256(payload).hexdigest() != expected_sha:
            raise IndexCorruptError(f"{path}: payload checksum mismatch")
        try:
            if mapped is not None:
                raw_index: Any = faiss.read_index(str(mapped), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
            else:
                raw_index = faiss.deserialize_index(np.frombuffer(payload, dtype=np.uint8))
        except RuntimeError as exc:  # FAISS reports unreadable data as RuntimeError
            raise IndexCorruptError(f"{path}: FAISS cannot read the payload: {exc}") from exc
        if raw_index.d != obj.dim:
            raise IndexCorruptError(f"{path}: index dimension {raw_index.d}, header says {obj.dim}")
        # deserialize_index returns the owning, already downcast object: keep that very proxy
        # (a second downcast proxy would not own the C++ index and would dangle).
        wrong_kind = IndexCorruptError(f"{path}: header says {header['kind']}, payload is {type(raw_index).__name__}")
        if header["kind"] in ("ivf", "ivf_sq8"):
            expected_type = faiss.IndexIVFFlat if header["kind"] == "ivf" else faiss.IndexIVFScalarQuantizer
            if not isinstance(raw_index, expected_type):
                raise wrong_kind
            raw_index.nprobe = int(header["nprobe"])
            ids = ivf_ids(raw_index)
        else:
            if not isinstance(raw_index, faiss.IndexIDMap2):
                raise wrong_kind
            ids = faiss.vector_to_array(raw_index.id_map).astype(np.int64)
        obj._index = raw_index
        if len(ids) != int(header["count"]) or len(set(ids.tolist())) != len(ids):
            raise IndexCorruptError(f"{path}: stored ids do not match the header count {header['count']}")
        obj._ids = set(int(i) for i in ids)
        obj._trained_count = int(header.get("trained_count") or 0)
        obj.version = int(header["version"])
        obj.created_at = header.get("created_at")
        obj.target_recall = float(header.get("target_recall", obj.target_recall))
        obj._mapped_from = mapped
        return obj


class _open_index_file:
    """Open an index file, mapping a missing file to :class:`IndexMissingError`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __enter__(self) -> Any:
        try:
            self.handle = open(self.path, "rb")
        except FileNotFoundError as exc:
            raise IndexMissingError(f"index file not found: {self.path}") from exc
        return self.handle

    def __exit__(self, *exc_info: object) -> None:
        self.handle.close()


def _read_header(handle: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    magic = handle.read(len(MAGIC))
    if magic != MAGIC:
        raise IndexCorruptError(f"{path}: not an index file (bad magic {magic[:8]!r})")
    raw_len = handle.read(_HEADER_LEN.size)
    if len(raw_len) != _HEADER_LEN.size:
        raise IndexCorruptError(f"{path}: truncated header")
    (length,) = _HEADER_LEN.unpack(raw_len)
    raw = handle.read(length)
    if len(raw) != length:
        raise IndexCorruptError(f"{path}: truncated header")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"{path}: unreadable header: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
        raise IndexCorruptError(f"{path}: unsupported header format {header!r:.80}")
    return header


def ivf_ids(ivf: Any) -> np.ndarray:
    invlists = ivf.invlists
    parts = []
    for list_no in range(ivf.nlist):
        size = invlists.list_size(list_no)
        if size:
            parts.append(faiss.rev_swig_ptr(invlists.get_ids(list_no), size).astype(np.int64).copy())
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)
