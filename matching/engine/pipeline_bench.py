"""The product's search (``Matcher.search``: both channels, hard filters, ranking) at catalog
scale, with and without the hard filters.

Data: ``n`` solutions with vectors drawn around real solution vectors (``realistic_vectors``),
texts recombined from the fixture generator's phrase banks (``synthetic_solution_texts``, their
BM25 term counts added up from memoized sentences), and the filter facts of ``synthetic_filters``:
each solution's provider sits in one of 60 places (Zipf shares; the place stands for the need's
city, which the product's region filter reads) and has a log-normal cheapest price. The indexes
are built, saved and loaded as a web process loads them (``Matcher.load``; the vector index kind
is the product's choice for ``n``). Queries: fixture need texts with vectors drawn the same way;
each is searched without filters, then with the tight filter (its place and a budget at the 25th
price percentile: well under 1% pass), pre-filtered as the product does, and, on a sample, with
the widening search that came before (``Matcher.prefilter = False``). Latency is the CPU time of
the searching thread (one thread, as in a web worker) with the wall clock beside it."""
from __future__ import annotations

import gc
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import faiss
import numpy as np

from .embedders import Embedder
from .index import VectorIndex
from .lexical import BM25Index, Tokenizer
from .lexical_bench import _rows, synthetic_solution_texts
from .pipeline import RECIPE, Matcher
from .scale_bench import _ms, rss_bytes
from .scale_data import realistic_vectors, synthetic_filters
from .types import NeedQuery, SolutionFacts

__all__ = ["bench_pipeline"]


class _GivenQueries(Embedder):
    """Query vectors given in advance, by text (the bench measures search, not the model)."""

    def __init__(self, vectors: dict[str, np.ndarray], dim: int) -> None:
        self._vectors, self._dim = vectors, dim

    @property
    def identity(self) -> str:
        return f"bench-given:{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vectors[text] for text in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError("the bench gives its passage vectors")


def _place(code: int) -> str:
    return f"第{int(code)}市"


def bench_pipeline(
    n: int,
    seeds: np.ndarray,
    *,
    queries: int = 200,
    widening_sample: int = 20,
    generator_seeds: int = 4,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """``Matcher.search`` p50/p99 at ``n`` solutions, unfiltered and under a tight filter."""
    faiss.omp_set_num_threads(1)
    started = time.perf_counter()
    catalog, needs = _rows(generator_seeds)
    pieces = synthetic_solution_texts(n, catalog)
    tokenizer, memo = Tokenizer(), {}

    def counts(parts: list[str]) -> Counter[str]:
        total: Counter[str] = Counter()
        for part in parts:
            if part not in memo:
                memo[part] = Counter(tokenizer.tokenize(part))
            total.update(memo[part])
        return total

    log(f"texts generated in {time.perf_counter() - started:.0f} s")
    lexical = BM25Index(tokenizer)
    lexical.add_counts((doc_id, counts(parts)) for doc_id, parts in enumerate(pieces, start=1))
    memo.clear()
    log(f"BM25 built at {time.perf_counter() - started:.0f} s")
    vectors = realistic_vectors(seeds, n)
    texts = [f"{row['title']}。{row['description']}" for row in needs[:queries]]
    query_vectors = realistic_vectors(seeds, len(texts), rng_seed=4242)
    filters = synthetic_filters(n, len(texts))
    facts = {
        doc_id: SolutionFacts(
            id=doc_id, ref=f"S{doc_id}", provider_ref=f"P{doc_id % 5000}", title=pieces[doc_id - 1][0],
            provider_name=f"服务商{doc_id % 5000}", price_min=int(price), price_max=int(price) * 2, deployment_weeks=8,
            provider_city=_place(place), category=catalog[doc_id % len(catalog)]["category"],
        )  # fmt: skip
        for doc_id, (place, price) in enumerate(zip(filters.county, filters.price_min, strict=True), start=1)
    }
    del pieces
    embedder = _GivenQueries(dict(zip(texts, query_vectors, strict=True)), vectors.shape[1])
    index = VectorIndex(embedder.dim, identity=embedder.identity, recipe=RECIPE)
    # nprobe calibrated as the product calibrates it, on stored needs' queries: here a draw of
    # need-like vectors apart from the timed ones (another seed).
    index.calibration_queries = realistic_vectors(seeds, 256, rng_seed=9191)
    faiss.omp_set_num_threads(2)  # builds may use both cores
    index.build(np.arange(1, n + 1), vectors)
    faiss.omp_set_num_threads(1)
    log(f"{index.kind} vector index built at {time.perf_counter() - started:.0f} s")
    report: dict[str, Any] = {"n": n, "queries": len(texts), "index_kind": index.kind, "nprobe": index.nprobe}
    with tempfile.TemporaryDirectory() as folder:
        Matcher(embedder, vector_index=index, lexical_index=lexical).save(folder)
        del index, lexical, vectors
        gc.collect()
        rss_before = rss_bytes()
        wall, cpu = time.perf_counter(), time.thread_time()
        matcher = Matcher.load(folder, embedder, facts)
        gc.freeze()  # as services.get_matcher does after loading
        report["load_s"], report["load_cpu_s"] = round(time.perf_counter() - wall, 2), round(time.thread_time() - cpu, 2)
        report["load_rss_growth_bytes"] = rss_bytes() - rss_before
        report["prepare_s"] = round(time.perf_counter() - started, 1)
        log(f"prepared {n} solutions ({report['index_kind']}) in {report['prepare_s']} s")
        plain = [NeedQuery(text=text) for text in texts]
        tight = [
            NeedQuery(text=text, budget_max=int(filters.query_budget[q]), city=_place(filters.query_county[q]))
            for q, text in enumerate(texts)
        ]
        eligible = [len(matcher._filters.eligible(query, budget=True, region=True)) for query in tight]
        report["filter_pass_share_median"] = round(float(np.median(eligible)) / n, 5)
        wall, cpu = time.perf_counter(), time.thread_time()
        matcher.search(plain[0], top_k=10)  # the first search sorts the catalog by language
        report["first_search_s"], report["first_search_cpu_s"] = round(time.perf_counter() - wall, 2), round(time.thread_time() - cpu, 2)
        for query in plain + tight:  # warm: the term focus counts its terms
            matcher.search(query, top_k=10)
        report["warmup_s"], report["warmup_cpu_s"] = round(time.perf_counter() - wall, 1), round(time.thread_time() - cpu, 1)
        log(f"warm at {time.perf_counter() - started:.0f} s")
        report["unfiltered"] = _timed(matcher, plain)
        report["filtered_prefilter"] = _timed(matcher, tight)
        matcher.prefilter = False
        report["filtered_widening_before"] = _timed(matcher, tight[:widening_sample])
        matcher.prefilter = True
    report["filtered_p99_over_unfiltered_p50_cpu"] = round(
        report["filtered_prefilter"]["cpu_p99_ms"] / report["unfiltered"]["cpu_p50_ms"], 2
    )
    report["total_s"] = round(time.perf_counter() - started, 1)
    return report


def _timed(matcher: Matcher, queries: Sequence[NeedQuery]) -> dict[str, float]:
    samples = []
    for query in queries:
        wall, cpu = time.perf_counter(), time.thread_time()
        matcher.search(query, top_k=10)
        samples.append((time.perf_counter() - wall, time.thread_time() - cpu))
    return {"queries": len(samples), **_ms(samples)}
