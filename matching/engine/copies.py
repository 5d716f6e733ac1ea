"""A solution text that is mostly a need's own words gains nothing from them.

Copying a need into a solution's title and description (issue 13) makes it the best match of
both channels for that need: the lexical one finds every word, the dense one embeds nearly the
need itself, and min-max normalisation then pushes every real solution down. Whether a text is
a copy is read from the lexical index: the share of the document's tokens that are words of the
query (``BM25Index.query_share``). Over the 132 development and blind needs no solution among
the 200 best lexical candidates exceeds 0.28 (median of the per-need maxima 0.13); the need
copied four times into a solution is 0.88.

A candidate whose share exceeds ``COPY_SHARE_START`` keeps less and less of its lead over the
best candidate that is not a copy, in each channel, and none of it from ``COPY_SHARE_FULL`` on::

    score' = min(score, best + (score - best) * keep),   keep = 1 .. 0 as share = START .. FULL

so a copy is at best as relevant as the best real description, and it neither outranks it nor
stretches a channel's range. Scores only go down, never up.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["COPY_SHARE_FULL", "COPY_SHARE_START", "copy_keep", "hold_copies"]

COPY_SHARE_START = 0.35
COPY_SHARE_FULL = 0.6


def copy_keep(share: float) -> float:
    """Share of its lead over the best non-copy a candidate keeps: 1 up to ``COPY_SHARE_START``,
    0 from ``COPY_SHARE_FULL``, linear between."""
    if share <= COPY_SHARE_START:
        return 1.0
    if share >= COPY_SHARE_FULL:
        return 0.0
    return (COPY_SHARE_FULL - share) / (COPY_SHARE_FULL - COPY_SHARE_START)


def hold_copies(channels: Mapping[str, dict[int, float]], shares: Mapping[int, float]) -> set[int]:
    """Lower, in place, each copy's score in every channel to the formula of the module
    docstring. Returns the ids the held scores were measured against (each channel's best
    non-copy), so that a search's frontier names them; empty when no candidate is a copy, or
    every one is."""
    copies = {doc_id: copy_keep(share) for doc_id, share in shares.items() if share > COPY_SHARE_START}
    references: set[int] = set()
    if not copies:
        return references
    for scores in channels.values():
        honest = [doc_id for doc_id in scores if doc_id not in copies]
        if not honest:
            continue
        best_id = max(honest, key=lambda doc_id: (scores[doc_id], -doc_id))
        best = scores[best_id]
        references.add(best_id)
        for doc_id, keep in copies.items():
            score = scores.get(doc_id)
            if score is not None and score > best:
                scores[doc_id] = best + (score - best) * keep
    return references
