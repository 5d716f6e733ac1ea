"""Combine the scores of several retrieval channels into one relevance in [0, 1].

Two methods, chosen by name:

* ``"blend"``: min-max normalise each channel within the candidate pool, then take the
  weighted mean. Keeps score gaps (a clear winner stays clearly ahead); sensitive to a
  channel's score distribution only through its range in the pool.
* ``"rrf"``: reciprocal rank fusion, ``sum_c w_c / (k + rank_c)`` with ``k = 60``
  (Cormack et al. 2009). Ignores score scales entirely; scaled here by the best attainable
  value, so a candidate ranked first by every channel scores 1.0.

A candidate missing from a channel gets 0 from that channel in both methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

__all__ = ["FUSION_METHODS", "FusionMethod", "blend", "fuse", "minmax_normalize", "rrf"]

FusionMethod = Literal["blend", "rrf"]
FUSION_METHODS: tuple[str, ...] = ("blend", "rrf")
RRF_K = 60

Scores = Mapping[int, float]


def minmax_normalize(scores: Scores) -> dict[int, float]:
    """Scale scores to [0, 1] within the pool.

    If every score is equal the channel cannot discriminate: all get 1.0 when that score is
    positive (they all matched) and 0.0 otherwise.
    """
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:
        flat = 1.0 if high > 0 else 0.0
        return {key: flat for key in scores}
    span = high - low
    return {key: (value - low) / span for key, value in scores.items()}


def _active_weights(channels: Mapping[str, Scores], weights: Mapping[str, float] | None) -> dict[str, float]:
    # Weights of channels that were not run are ignored, so ablations can drop channels.
    if weights is None:
        active = {name: 1.0 for name in channels}
    else:
        active = {name: float(weights.get(name, 0.0)) for name in channels}
        if any(w < 0 for w in active.values()):
            raise ValueError("channel weights must be >= 0")
    active = {name: w for name, w in active.items() if w > 0}
    if channels and not active:
        raise ValueError("at least one channel needs a positive weight")
    return active


def blend(channels: Mapping[str, Scores], weights: Mapping[str, float] | None = None) -> dict[int, float]:
    """Weighted mean of min-max-normalised channel scores; weights default to equal."""
    active = _active_weights(channels, weights)
    total = sum(active.values())
    fused: dict[int, float] = {}
    for name, weight in active.items():
        for key, value in minmax_normalize(channels[name]).items():
            fused[key] = fused.get(key, 0.0) + weight * value / total
    for name in channels:
        for key in channels[name]:
            fused.setdefault(key, 0.0)
    return fused


def rrf(channels: Mapping[str, Scores], weights: Mapping[str, float] | None = None, k: int = RRF_K) -> dict[int, float]:
    """Weighted reciprocal rank fusion, scaled so rank 1 in every channel gives 1.0.

    Within a channel, higher scores rank first; equal scores are ordered by id so the
    result is deterministic.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    active = _active_weights(channels, weights)
    best = sum(w / (k + 1) for w in active.values())
    fused: dict[int, float] = {}
    for name, weight in active.items():
        ordered = sorted(channels[name].items(), key=lambda item: (-item[1], item[0]))
        for rank, (key, _) in enumerate(ordered, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank) / best
    for name in channels:
        for key in channels[name]:
            fused.setdefault(key, 0.0)
    return fused


def fuse(
    channels: Mapping[str, Scores],
    weights: Mapping[str, float] | None = None,
    method: str = "blend",
    rrf_k: int = RRF_K,
) -> dict[int, float]:
    """Fuse ``{channel: {id: score}}`` into ``{id: relevance}`` with ``method`` (blend or rrf)."""
    if method == "blend":
        return blend(channels, weights)
    if method == "rrf":
        return rrf(channels, weights, k=rrf_k)
    raise ValueError(f"unknown fusion method {method!r}; expected one of {FUSION_METHODS}")
