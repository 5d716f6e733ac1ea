"""Combine the scores of several retrieval channels into one relevance in [0, 1].

Two methods, chosen by name:

* ``"blend"``: min-max normalise each channel within the candidate pool, then take the
  weighted mean. Keeps score gaps (a clear winner stays clearly ahead); sensitive to a
  channel's score distribution only through its range in the pool.
* ``"rrf"``: reciprocal rank fusion, ``sum_c w_c / (k + rank_c)`` with ``k = 60``
  (Cormack et al. 2009). Ignores score scales entirely; scaled here by the best attainable
  value, so a candidate ranked first by every channel scores 1.0.

A candidate missing from a channel gets 0 from that channel in both methods, unless the
channel is told it cannot see that candidate (``unseen``: e.g. the lexical channel and a
solution written in another language than the need). Then the candidate is fused from the
channels that can see it, their weights renormalised, instead of being scored zero by a
channel that could not have matched it; and it does not stretch that channel's min-max range.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

__all__ = ["FUSION_METHODS", "FusionMethod", "blend", "fuse", "minmax_normalize", "rrf"]

FusionMethod = Literal["blend", "rrf"]
FUSION_METHODS: tuple[str, ...] = ("blend", "rrf")
RRF_K = 60

Scores = Mapping[int, float]
Unseen = Mapping[str, Collection[int]]


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


def blend(
    channels: Mapping[str, Scores], weights: Mapping[str, float] | None = None, unseen: Unseen | None = None
) -> dict[int, float]:
    """Weighted mean of min-max-normalised channel scores; weights default to equal.

    A candidate in ``unseen[channel]`` takes the weighted mean over the other channels."""
    active = _active_weights(channels, weights)
    unseen = unseen or {}
    sums: dict[int, float] = {}
    totals: dict[int, float] = {}
    for name, weight in active.items():
        hidden = unseen.get(name, ())
        visible = {key: value for key, value in channels[name].items() if key not in hidden}
        for key, value in minmax_normalize(visible).items():
            sums[key] = sums.get(key, 0.0) + weight * value
            totals[key] = totals.get(key, 0.0) + weight
    total = sum(active.values())
    fused = {key: value / (totals[key] if unseen else total) for key, value in sums.items()}
    for name in channels:
        for key in channels[name]:
            fused.setdefault(key, 0.0)
    return fused


def rrf(
    channels: Mapping[str, Scores],
    weights: Mapping[str, float] | None = None,
    k: int = RRF_K,
    unseen: Unseen | None = None,
) -> dict[int, float]:
    """Weighted reciprocal rank fusion, scaled so rank 1 in every channel gives 1.0.

    Within a channel, higher scores rank first; equal scores are ordered by id so the
    result is deterministic. A candidate in ``unseen[channel]`` is not ranked by that channel
    and is scaled by the best attainable value of the channels that see it.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    active = _active_weights(channels, weights)
    unseen = unseen or {}
    sums: dict[int, float] = {}
    best: dict[int, float] = {}
    for name, weight in active.items():
        hidden = unseen.get(name, ())
        visible = [(key, value) for key, value in channels[name].items() if key not in hidden]
        ordered = sorted(visible, key=lambda item: (-item[1], item[0]))
        for rank, (key, _) in enumerate(ordered, start=1):
            sums[key] = sums.get(key, 0.0) + weight / (k + rank)
            best[key] = best.get(key, 0.0) + weight / (k + 1)
    overall = sum(w / (k + 1) for w in active.values())
    fused = {key: value / (best[key] if unseen else overall) for key, value in sums.items()}
    for name in channels:
        for key in channels[name]:
            fused.setdefault(key, 0.0)
    return fused


def fuse(
    channels: Mapping[str, Scores],
    weights: Mapping[str, float] | None = None,
    method: str = "blend",
    rrf_k: int = RRF_K,
    unseen: Unseen | None = None,
) -> dict[int, float]:
    """Fuse ``{channel: {id: score}}`` into ``{id: relevance}`` with ``method`` (blend or rrf);
    ``unseen`` names, per channel, the candidates it cannot see (see the module docstring)."""
    if method == "blend":
        return blend(channels, weights, unseen)
    if method == "rrf":
        return rrf(channels, weights, k=rrf_k, unseen=unseen)
    raise ValueError(f"unknown fusion method {method!r}; expected one of {FUSION_METHODS}")
