"""The vector store: solutions' passage vectors and needs' query vectors in the database
(``SolutionVector``, ``NeedVector``), keyed by the model identity and the hash of the text they
were made from, so that any process on any machine builds its in-memory index from them without
encoding, and staleness is judged by content, not by which job ran.

A solution's ``state_hash`` covers its indexed text and every fact the ranking reads (price,
industries, regions, provider, tier...); a need's query hash covers everything its search reads.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping

import numpy as np

from matching.engine import NeedQuery, SolutionFacts


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def _digest(payload: dict) -> str:
    return text_hash(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=_plain))


def state_hash(facts: SolutionFacts, text: str) -> str:
    """What the index holds of a solution: its text and its facts."""
    return _digest({"text": text, "facts": dataclasses.asdict(facts)})


def query_hash(query: NeedQuery, ranking: Mapping | None = None) -> str:
    """What a need's stored matches depend on: its text, budget, industry, place and timeline,
    and the ranking weights in force (``ranking``, their ``to_dict()``), so that saving new
    weights leaves every open need pending until it is re-matched."""
    payload = dataclasses.asdict(query)
    return _digest(payload if ranking is None else {"query": payload, "weights": dict(ranking)})


def to_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.float32)
