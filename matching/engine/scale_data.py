"""Synthetic data for the scale benchmarks: vectors drawn around real solution vectors (keeping
their cluster structure), and the hard-filter facts (county, cheapest price) of each."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["FilterSet", "realistic_vectors", "synthetic_filters"]


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.ascontiguousarray(rows, dtype=np.float32)
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    return rows


def realistic_vectors(seeds: np.ndarray, n: int, *, rng_seed: int = 0, chunk: int = 100_000) -> np.ndarray:
    """``n`` unit vectors spread around ``seeds`` (real solution vectors) with their structure.

    Each vector starts from a seed moved part of the way towards one of its 10 nearest seeds
    (so points fill the space between related solutions, not a ball around each), plus noise
    shaped like the seeds' own covariance (the directions in which real solutions differ) and
    a little isotropic noise. The noise is scaled so that a vector's median cosine to its seed
    equals the median cosine between a seed and its nearest other seed: the synthetic catalog
    is as spread out as the real one, neither a set of tight copies nor uniform noise.
    """
    seeds = _unit(seeds)
    count, dim = seeds.shape
    if count < 2:
        raise ValueError("realistic_vectors needs at least 2 seed vectors")
    rng = np.random.default_rng(rng_seed)
    similarity = seeds @ seeds.T
    np.fill_diagonal(similarity, -np.inf)
    neighbours = np.argsort(-similarity, axis=1)[:, : min(10, count - 1)]
    target = float(np.median(similarity.max(axis=1)))
    centred = seeds - seeds.mean(axis=0)
    _, singular, basis = np.linalg.svd(centred, full_matrices=False)
    shape = (singular[:, None] / math.sqrt(count)) * basis  # rows: principal directions x spread

    def draw(size: int, scale: float, generator: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        picks = generator.integers(0, count, size)
        partners = neighbours[picks, generator.integers(0, neighbours.shape[1], size)]
        mix = generator.uniform(0.0, 0.5, (size, 1)).astype(np.float32)
        base = (1 - mix) * seeds[picks] + mix * seeds[partners]
        noise = generator.standard_normal((size, shape.shape[0])).astype(np.float32) @ shape
        noise += generator.standard_normal((size, dim)).astype(np.float32) * (0.1 * float(singular[0]) / math.sqrt(count * dim))
        return _unit(base + scale * noise), picks

    # Calibrate the noise scale on a small draw (cosine to the seed falls as the scale grows).
    low, high = 0.0, 8.0
    for _ in range(20):
        middle = (low + high) / 2
        probe, picks = draw(2_000, middle, np.random.default_rng(rng_seed + 99))
        cosine = float(np.median(np.einsum("ij,ij->i", probe, seeds[picks])))
        low, high = (middle, high) if cosine > target else (low, middle)
    scale = (low + high) / 2
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, chunk):
        out[start : start + chunk] = draw(min(chunk, n - start), scale, rng)[0]
    return out


@dataclass
class FilterSet:
    """The hard-filter facts of every vector (row i) and one tight filter per query."""

    county: np.ndarray  # int16 county code per vector
    price_min: np.ndarray  # int64 cheapest offer per vector
    query_county: np.ndarray
    query_budget: np.ndarray

    def eligible(self, query: int) -> np.ndarray:
        """Row numbers passing query ``query``'s filter (provider in its county, within budget)."""
        mask = (self.county == self.query_county[query]) & (self.price_min <= self.query_budget[query])
        return np.flatnonzero(mask)


def synthetic_filters(n: int, queries: int, *, counties: int = 60, rng_seed: int = 7) -> FilterSet:
    """Counties with Zipf-like shares and log-normal prices (catalog-like); each query asks for
    a mid-sized county and a budget at the 25th price percentile: about 0.3-0.5% pass."""
    rng = np.random.default_rng(rng_seed)
    share = 1.0 / np.arange(1, counties + 1) ** 0.8
    share /= share.sum()
    county = rng.choice(counties, size=n, p=share).astype(np.int16)
    price_min = np.round(np.exp(rng.normal(math.log(200_000), 1.0, n)), -4).astype(np.int64)
    query_county = rng.integers(2, 12, queries).astype(np.int16)
    query_budget = np.full(queries, int(np.percentile(price_min, 25)), dtype=np.int64)
    return FilterSet(county, price_min, query_county, query_budget)


# ---------------------------------------------------------------------------- measure
