"""Vector indexes at catalog scale: FAISS flat, IVF-Flat, IVF-SQ8, IVF-PQ, HNSW and usearch.

Data: ``n`` vectors drawn around real solution vectors (:func:`realistic_vectors`) with the
product's two hard-filter facts per vector (provider county, cheapest price), and need-like
queries drawn the same way. For each index: build time, memory (serialised size and resident
growth), single-query latency (one thread, p50 / p99), recall@10 against exact search, and the
same under a hard filter (one county and a tight budget, so most of the catalog is excluded)
with three strategies: a FAISS ``IDSelector`` inside the search, over-fetching and filtering
after, and exact scoring of the eligible vectors when they are few (pre-filter). Finally the
chosen kind's file is memory-mapped by 4 processes at once to measure resident memory per
process (RSS, and PSS, which splits shared pages between the processes that map them).

Run: ``python manage.py bench_scale --n 1000000`` (or ``python -m matching.engine.scale_bench``).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np

from . import worker_memory
from .scale_data import FilterSet, realistic_vectors, synthetic_filters

__all__ = ["FilterSet", "bench_scale", "memory_of_processes", "realistic_vectors", "synthetic_filters"]

K = 10


# ------------------------------------------------------------------------------- data


def rss_bytes() -> int:
    """This process's resident memory (Linux)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _ms(samples: Sequence[tuple[float, float]]) -> dict[str, float]:
    """Wall-clock and CPU (this thread) percentiles: on a shared machine the wall clock also
    counts time spent waiting for a core; the CPU time is what the search itself costs."""
    wall = np.asarray([s[0] for s in samples]) * 1000
    cpu = np.asarray([s[1] for s in samples]) * 1000
    return {
        "p50_ms": round(float(np.percentile(wall, 50)), 3),
        "p99_ms": round(float(np.percentile(wall, 99)), 3),
        "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 3),
        "cpu_p99_ms": round(float(np.percentile(cpu, 99)), 3),
    }


def _recall(found: Sequence[np.ndarray], truth: Sequence[np.ndarray]) -> float:
    hits = total = 0
    for got, want in zip(found, truth, strict=True):
        want = want[want >= 0]
        hits += len(set(got[got >= 0].tolist()) & set(want.tolist()))
        total += len(want)
    return round(hits / max(total, 1), 4)


def _timed_each(
    queries: np.ndarray, search: Callable[[np.ndarray, int], np.ndarray]
) -> tuple[list[tuple[float, float]], list[np.ndarray]]:
    times, found = [], []
    search(queries[:1], 0)  # warm-up
    for row in range(len(queries)):
        started, cpu_started = time.perf_counter(), time.thread_time()
        ids = search(queries[row : row + 1], row)
        times.append((time.perf_counter() - started, time.thread_time() - cpu_started))
        found.append(np.asarray(ids).reshape(-1)[:K])
    return times, found


def exact_filtered(data: np.ndarray, query: np.ndarray, eligible: np.ndarray, k: int = K) -> np.ndarray:
    """Exact top-k rows among ``eligible`` (the pre-filter strategy and the filtered truth)."""
    if eligible.size == 0:
        return np.zeros(0, np.int64)
    scores = data[eligible] @ query.reshape(-1)
    top = np.argpartition(-scores, min(k, eligible.size) - 1)[:k] if eligible.size > k else np.arange(eligible.size)
    return eligible[top[np.argsort(-scores[top])]]


# ----------------------------------------------------------------------------- indexes


@dataclass
class Candidate:
    """One index configuration: how to build it and how to search it (plain and filtered)."""

    name: str
    build: Callable[[np.ndarray], Any]
    tune: Callable[[Any, int], None] | None = None  # set the search effort (nprobe / efSearch)
    efforts: Sequence[int] = ()
    faiss_index: bool = True
    search: Callable[[Any, np.ndarray, int], np.ndarray] | None = None


def _faiss_search(index: Any, query: np.ndarray, k: int, params: Any = None) -> np.ndarray:
    _, ids = index.search(query, k, params=params) if params is not None else index.search(query, k)
    return ids[0]


def ivf_nlist(n: int) -> int:
    """Coarse lists: about 2 sqrt(n) above 100,000 vectors (shorter lists, faster probes)."""
    return int(2 * math.sqrt(n)) if n >= 100_000 else max(16, int(math.sqrt(n)))


def candidates(dim: int, n: int, quantizer_data: np.ndarray) -> list[Candidate]:
    """The configurations compared; IVF variants share one coarse quantizer (trained once)."""
    nlist = ivf_nlist(n)
    shared: dict[str, Any] = {}

    def trained_quantizer() -> Any:
        if "quantizer" not in shared:
            kmeans = faiss.Kmeans(dim, nlist, niter=12, seed=1234, spherical=True, max_points_per_centroid=64)
            started = time.perf_counter()
            kmeans.train(quantizer_data)
            shared["train_s"] = time.perf_counter() - started
            shared["quantizer"] = kmeans.centroids
        return shared["quantizer"]

    def ivf(spec: str) -> Callable[[np.ndarray], Any]:
        def build(data: np.ndarray) -> Any:
            centroids = trained_quantizer()
            quantizer = faiss.IndexFlatIP(dim)
            quantizer.add(centroids)
            index = faiss.index_factory(dim, f"IVF{nlist},{spec}", faiss.METRIC_INNER_PRODUCT)
            ivf_index = faiss.extract_index_ivf(index)
            ivf_index.quantizer = quantizer  # reuse the trained centroids
            ivf_index.own_fields = False
            shared.setdefault("quantizers", []).append(quantizer)
            ivf_index.is_trained = spec == "Flat"
            if not ivf_index.is_trained:  # SQ / PQ codes train on a sample
                ivf_index.train(data[np.random.default_rng(1).choice(len(data), min(len(data), 100_000), replace=False)])
            index.add(data)
            return index

        return build

    def set_nprobe(index: Any, nprobe: int) -> None:
        faiss.extract_index_ivf(index).nprobe = nprobe

    def hnsw(data: np.ndarray) -> Any:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 64
        index.add(data)
        return index

    def set_ef(index: Any, ef: int) -> None:
        index.hnsw.efSearch = ef

    probes = [p for p in (8, 16, 32, 64, 128) if p <= nlist]
    pq_m = next(m for m in (48, 32, 24, 16, 8, 4, 2, 1) if dim % m == 0)
    # 8-bit codes need 256 centroids per sub-space, trained on at least 39 points each (faiss
    # warns below that): smaller samples (the tests' tiny runs) get 4-bit codes.
    pq_bits = 8 if n >= 39 * 256 else 4
    found = [
        Candidate("faiss Flat (exact)", lambda data: _flat(data)),
        Candidate(f"faiss IVF{nlist},Flat", ivf("Flat"), set_nprobe, probes),
        Candidate(f"faiss IVF{nlist},SQ8", ivf("SQ8"), set_nprobe, probes),
        Candidate(f"faiss IVF{nlist},PQ{pq_m}x{pq_bits} + refine", ivf(f"PQ{pq_m}x{pq_bits}"), set_nprobe, probes),
        Candidate("faiss HNSW32,Flat", hnsw, set_ef, (32, 64, 128)),
    ]
    try:
        import usearch.index as usearch_index
    except ImportError:
        usearch_index = None
    if usearch_index is not None:

        def build_usearch(data: np.ndarray) -> Any:
            index = usearch_index.Index(ndim=dim, metric="ip", dtype="f16", connectivity=16, expansion_add=64)
            index.add(np.arange(len(data)), data, threads=2)
            return index

        def set_expansion(index: Any, ef: int) -> None:
            index.expansion_search = ef

        def search_usearch(index: Any, query: np.ndarray, k: int) -> np.ndarray:
            return np.asarray(index.search(query.reshape(-1), k, threads=1).keys, dtype=np.int64)

        found.append(Candidate("usearch HNSW16 f16", build_usearch, set_expansion, (32, 64, 128), False, search_usearch))
    return found, shared  # type: ignore[return-value]


def _flat(data: np.ndarray) -> Any:
    index = faiss.IndexFlatIP(data.shape[1])
    index.add(data)
    return index


def _index_bytes(index: Any, faiss_index: bool) -> int:
    if faiss_index:
        return int(faiss.serialize_index(index).size)
    return int(index.memory_usage) if hasattr(index, "memory_usage") else int(index.serialized_length)


def bench_scale(
    n: int,
    seeds: np.ndarray,
    *,
    queries: int = 500,
    target_recall: float = 0.95,
    workers: int = 4,
    index_path: str | os.PathLike[str] | None = None,
    log: Callable[[str], None] = lambda line: None,
    only: Sequence[str] = (),
) -> dict[str, Any]:
    """Compare the index kinds on ``n`` vectors around ``seeds`` (see the module docstring)."""
    faiss.omp_set_num_threads(1)  # a web worker answers one query on one thread
    started = time.perf_counter()
    data = realistic_vectors(seeds, n)
    query_vectors = realistic_vectors(seeds, queries, rng_seed=4242)
    filters = synthetic_filters(n, queries)
    dim = data.shape[1]
    report: dict[str, Any] = {
        "n": n,
        "dim": dim,
        "seeds": len(seeds),
        "queries": queries,
        "generate_s": round(time.perf_counter() - started, 1),
        "threads_per_query": 1,
    }
    eligible = [filters.eligible(q) for q in range(queries)]
    report["filter_pass_share_median"] = round(float(np.median([e.size for e in eligible])) / n, 5)
    log(f"generated {n} vectors in {report['generate_s']}s; filter passes {report['filter_pass_share_median']:.3%}")
    faiss.omp_set_num_threads(2)
    exact = _flat(data)
    _, truth = exact.search(query_vectors, K)
    filtered_truth = [exact_filtered(data, query_vectors[q], eligible[q]) for q in range(queries)]
    del exact
    faiss.omp_set_num_threads(1)
    sample = data[np.random.default_rng(3).choice(n, min(n, 40 * ivf_nlist(n)), replace=False)]
    configs, shared = candidates(dim, n, sample)
    rows = []
    chosen_file: dict[str, Any] = {}
    for config in configs:
        if only and not any(word.lower() in config.name.lower() for word in only):
            continue
        gc.collect()
        rss_before = rss_bytes()
        faiss.omp_set_num_threads(2)  # builds may use both cores
        build_started = time.perf_counter()
        index = config.build(data)
        build_s = time.perf_counter() - build_started
        faiss.omp_set_num_threads(1)
        row: dict[str, Any] = {
            "index": config.name,
            "build_s": round(build_s, 1),
            "bytes": _index_bytes(index, config.faiss_index),
            "rss_growth_bytes": rss_bytes() - rss_before,
        }
        if "IVF" in config.name:
            row["coarse_training_s_shared"] = round(shared.get("train_s", 0.0), 1)
        search_plain = config.search or (lambda index, query, k: _faiss_search(index, query, k))
        refine = "refine" in config.name

        def plain(query: np.ndarray, _row: int, index: Any = index) -> np.ndarray:
            if refine:  # PQ codes are coarse: re-score 10x the candidates exactly
                ids = search_plain(index, query, K * 10)
                ids = ids[ids >= 0]
                return ids[np.argsort(-(data[ids] @ query.reshape(-1)))][:K]
            return search_plain(index, query, K)

        # The smallest effort that reaches the target recall (or the largest tried).
        efforts = list(config.efforts) or [0]
        for effort in efforts:
            if config.tune is not None:
                config.tune(index, effort)
            times, found = _timed_each(query_vectors, plain)
            recall = _recall(found, truth)
            if recall >= target_recall:
                break
        row.update({"effort": effort if config.tune else None, "recall@10": recall, **_ms(times)})
        row["filtered"] = _filtered(index, config, query_vectors, data, eligible, filtered_truth, plain)
        log(json.dumps(row, ensure_ascii=False))
        rows.append(row)
        if config.faiss_index and "SQ8" in config.name and index_path is not None:
            faiss.write_index(index, str(index_path))
            chosen_file = {"index": config.name, "effort": row["effort"], "path": str(index_path)}
        del index
    report["indexes"] = rows
    if chosen_file and workers:
        probe = query_vectors[: min(queries, 200)]
        report["mmap_workers"] = {
            **chosen_file,
            "file_bytes": os.path.getsize(chosen_file["path"]),
            "processes": memory_of_processes(chosen_file["path"], probe, workers, nprobe=chosen_file["effort"]),
        }
    report["total_s"] = round(time.perf_counter() - started, 1)
    return report


def _filtered(
    index: Any,
    config: Candidate,
    query_vectors: np.ndarray,
    data: np.ndarray,
    eligible: list[np.ndarray],
    truth: list[np.ndarray],
    plain: Callable[[np.ndarray, int], np.ndarray],
) -> dict[str, Any]:
    """Filtered search three ways (see the module docstring); the exact pre-filter does not
    depend on the index, so it is reported once, with the flat index."""
    n = len(data)
    allowed_sets = [set(e.tolist()) for e in eligible]
    out: dict[str, Any] = {}

    def overfetch(query: np.ndarray, row: int) -> np.ndarray:
        fetch = K * 4
        search = config.search or (lambda index, q, k: _faiss_search(index, q, k))
        while True:
            ids = search(index, query, fetch)
            kept = [i for i in ids.tolist() if i in allowed_sets[row]]
            if len(kept) >= K or fetch >= n:
                return np.asarray(kept[:K], dtype=np.int64)
            fetch = min(n, fetch * 4)

    if "Flat (exact)" in config.name:

        def prefilter(query: np.ndarray, row: int) -> np.ndarray:
            return exact_filtered(data, query, eligible[row])

        times, found = _timed_each(query_vectors, prefilter)
        out["prefilter_exact"] = {"recall@10": _recall(found, truth), **_ms(times)}
    if config.faiss_index and "refine" not in config.name:
        bitmaps = []
        for rows in eligible:
            mask = np.zeros(n, dtype=bool)
            mask[rows] = True
            bitmaps.append(np.packbits(mask, bitorder="little"))
        ivf = "IVF" in config.name

        def selector(query: np.ndarray, row: int) -> np.ndarray:
            chosen = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmaps[row]))
            if ivf:
                params = faiss.SearchParametersIVF(sel=chosen, nprobe=faiss.extract_index_ivf(index).nprobe)
            elif "HNSW" in config.name:
                params = faiss.SearchParametersHNSW(sel=chosen, efSearch=index.hnsw.efSearch)
            else:
                params = faiss.SearchParameters(sel=chosen)
            return _faiss_search(index, query, K, params)

        times, found = _timed_each(query_vectors, selector)
        out["idselector"] = {"recall@10": _recall(found, truth), **_ms(times)}
    if "Flat (exact)" not in config.name:
        times, found = _timed_each(query_vectors, overfetch)
        out["overfetch"] = {"recall@10": _recall(found, truth), **_ms(times)}
    return out


# --------------------------------------------------------------------- shared memory


def memory_of_processes(path: str | os.PathLike[str], queries: np.ndarray, workers: int = 4, *, nprobe: int = 0) -> list[dict[str, Any]]:
    """``workers`` processes that each memory-map the FAISS file at ``path`` and search
    ``queries``; each one's memory (bytes: RSS, PSS, private) while all are alive."""
    return worker_memory.memory_of_processes(workers, vector_path=path, queries=queries, nprobe=nprobe)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seeds", required=True, help="npz with a 'vectors' array of real solution vectors")
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args(argv)
    with np.load(args.seeds) as data:
        seeds = data["vectors"]
    print(json.dumps(bench_scale(args.n, seeds, queries=args.queries, log=print), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
