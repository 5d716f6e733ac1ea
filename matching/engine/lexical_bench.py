"""The lexical channel at catalog scale: BM25 build time, memory and query time.

Texts: ``n`` synthetic solutions recombined from the fixture generator's output (its phrase
banks): a title and 4-8 sentences drawn from solutions of the same category, sentences joined
by "。". Tokenizing a million texts with jieba takes most of an hour on a shared core, so the
bench tokenizes each distinct sentence once and adds up their counts: that equals tokenizing
the whole text because "。" ends every token run (checked on a sample, reported as
``memo_mismatches``); the direct tokenizer's rate is measured on its own and reported, so a
real build's time is ``n / tokenize_docs_per_s + index_build_s``.

Queries: fixture needs (title + description), searched for a 200-candidate pool, one at a time,
with every posting scored (exact) and with the approximate search (``lexical_impact``, the
default above ``APPROX_ABOVE`` documents), at its default budget and, with ``sweep``, at other
(budget, candidates) pairs. Recall@10 of the approximate search counts a returned document as a
hit when its score reaches the exact 10th score (ties of the 10th are hits); the pool overlap is
the same over the 200-pool. Times include tokenizing the query, which is also reported alone.
With ``processes``, that many processes load the saved file (memory-mapped) and search every
query, and their memory is read from ``/proc/PID/smaps_rollup`` while all are alive.
"""

from __future__ import annotations

import gc
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .lexical import BM25Index, Tokenizer
from .lexical_impact import approximate_candidates
from . import worker_memory
from .scale_bench import rss_bytes

__all__ = ["bench_lexical", "synthetic_solution_texts"]

_SENTENCE = re.compile(r"[^。]+")


def _rows(seeds: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    from fixtures.generator import generate  # the fixture generator's public API

    catalog: list[dict[str, str]] = []
    needs: list[dict[str, str]] = []
    for seed in range(seeds):
        rows, need_rows = generate(seed)
        catalog += rows
        needs += need_rows
    return catalog, needs


def synthetic_solution_texts(n: int, catalog: Sequence[dict[str, str]], *, seed: int = 0) -> list[list[str]]:
    """``n`` texts as lists of pieces (title, sentences); ``"。".join(pieces)`` is the text."""
    rng = random.Random(seed)
    by_category: dict[str, tuple[list[str], list[str]]] = {}
    for row in catalog:
        titles, sentences = by_category.setdefault(row["category"], ([], []))
        titles.append(row["title"].strip())
        sentences += [s.strip() for s in _SENTENCE.findall(row["description"]) if s.strip()]
    pools = [(titles, sorted(set(sentences))) for titles, sentences in by_category.values()]
    texts = []
    for _ in range(n):
        titles, sentences = pools[rng.randrange(len(pools))]
        texts.append([rng.choice(titles), *rng.sample(sentences, min(len(sentences), rng.randint(4, 8)))])
    return texts


def bench_lexical(
    n: int,
    *,
    queries: int = 200,
    pool: int = 200,
    generator_seeds: int = 4,
    tokenize_sample: int = 3_000,
    index_factory: Callable[[Tokenizer], Any] = BM25Index,
    saved: Path | None = None,
    sweep: Sequence[tuple[int, int]] = (),
    processes: int = 0,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Build a BM25 index over ``n`` synthetic solutions and time queries (module docstring).
    With ``saved``: an index file written by an earlier run with the same ``n`` is loaded instead
    of building (the load time and resident growth are reported), otherwise the built index is
    saved there."""
    tokenizer = Tokenizer()
    catalog, needs = _rows(generator_seeds)
    if saved is not None and saved.exists():
        gc.collect()
        rss_before = rss_bytes()
        started, cpu_started = time.perf_counter(), time.process_time()
        index = BM25Index.load(saved, tokenizer)
        if len(index) != n:
            raise ValueError(f"{saved} holds {len(index)} documents, not {n}")
        report = {"n": n, "loaded_from": str(saved), "load_s": round(time.perf_counter() - started, 1)}
        report["load_cpu_s"] = round(time.process_time() - cpu_started, 1)
        report["rss_growth_bytes"] = rss_bytes() - rss_before
        report["array_bytes"] = index.memory_bytes()
        _queries(index, tokenizer, needs, report, queries=queries, pool=pool, sweep=sweep, log=log)
        if processes:
            report["processes"] = memory_of_processes(saved, needs[:queries], processes, pool=pool)
        return report
    started = time.perf_counter()
    pieces = synthetic_solution_texts(n, catalog)
    report: dict[str, Any] = {"n": n, "generate_s": round(time.perf_counter() - started, 1)}
    tokenizer.tokenize("预热")  # jieba's dictionary loads once
    sample = ["。".join(p) for p in pieces[:tokenize_sample]]
    started, cpu_started = time.perf_counter(), time.process_time()
    direct = [Counter(tokenizer.tokenize(text)) for text in sample]
    report["tokenize_docs_per_s"] = round(len(sample) / (time.perf_counter() - started), 1)
    report["tokenize_docs_per_cpu_s"] = round(len(sample) / (time.process_time() - cpu_started), 1)
    memo: dict[str, Counter[str]] = {}

    def counts(parts: list[str]) -> Counter[str]:
        total: Counter[str] = Counter()
        for part in parts:
            found = memo.get(part)
            if found is None:
                found = memo[part] = Counter(tokenizer.tokenize(part))
            total.update(found)
        return total

    report["memo_mismatches"] = sum(counts(p) != d for p, d in zip(pieces, direct, strict=False))
    log(f"tokenize {report['tokenize_docs_per_s']} docs/s; memo mismatches {report['memo_mismatches']}")
    gc.collect()
    rss_before = rss_bytes()
    postings = 0

    def documents() -> Any:
        nonlocal postings
        for doc_id, parts in enumerate(pieces, start=1):
            terms = counts(parts)
            postings += len(terms)
            yield doc_id, terms

    started, cpu_started = time.perf_counter(), time.process_time()
    index = index_factory(tokenizer)
    if hasattr(index, "add_counts"):
        index.add_counts(documents())
    else:  # an index without a bulk path (the previous structure)
        for doc_id, terms in documents():
            index._insert(doc_id, dict(terms))
    report["index_build_s"] = round(time.perf_counter() - started, 1)
    report["index_build_cpu_s"] = round(time.process_time() - cpu_started, 1)
    report["postings"] = postings
    memo.clear()
    gc.collect()
    report["rss_growth_bytes"] = rss_bytes() - rss_before
    if hasattr(index, "memory_bytes"):
        report["array_bytes"] = index.memory_bytes()
    report["vocabulary"] = len(getattr(index, "_terms", getattr(index, "_postings", ())))
    log(f"built in {report['index_build_s']}s, RSS +{report['rss_growth_bytes'] / 2**20:.0f} MiB")
    if saved is not None:
        started = time.perf_counter()
        index.save(saved)
        report["save_s"] = round(time.perf_counter() - started, 1)
    _queries(index, tokenizer, needs, report, queries=queries, pool=pool, sweep=sweep, log=log)
    if processes and saved is not None:
        report["processes"] = memory_of_processes(saved, needs[:queries], processes, pool=pool)
    return report


def _queries(
    index: Any, tokenizer: Tokenizer, needs: Sequence[dict[str, str]], report: dict[str, Any], *, queries: int,
    pool: int, sweep: Sequence[tuple[int, int]] = (), log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Time searches of the first ``queries`` needs, exact and approximate, then updates.

    The searches take turns by blocks of ``_BLOCK`` queries (each setting searches the same
    block, then the next block), so that a change in the machine's load falls on every setting
    alike; a search's CPU time still includes the cache misses the others leave behind."""
    texts = [f"{row['title']}。{row['description']}" for row in needs[:queries]]
    settings: list[tuple[str, tuple[int, int] | None]] = [("query_ms_exact", None)]
    approximate = hasattr(index, "approx_above")
    if approximate:
        default = (index.approx_budget, index.approx_candidates)
        settings.append(("query_ms_approx", default))
        settings += [(f"query_ms_approx_{b}_{c}", (b, c)) for b, c in sweep if (b, c) != default]

    def use(setting: tuple[int, int] | None) -> None:
        if approximate:
            index.approx_above = None if setting is None else 0
            if setting is not None:
                index.approx_budget, index.approx_candidates = setting

    times: dict[str, list[float]] = {label: [] for label, _ in settings}
    cpu_times: dict[str, list[float]] = {label: [] for label, _ in settings}
    found: dict[str, list[list[tuple[int, float]]]] = {label: [] for label, _ in settings}
    for label, setting in settings:  # warm-up
        use(setting)
        index.search(texts[0], pool)
    for block in range(0, len(texts), _BLOCK):
        for label, setting in settings:
            use(setting)
            for text in texts[block : block + _BLOCK]:
                begun, cpu_begun = time.perf_counter(), time.thread_time()
                found[label].append(index.search(text, pool))
                times[label].append(time.perf_counter() - begun)
                cpu_times[label].append(time.thread_time() - cpu_begun)
    exact = found["query_ms_exact"]
    for label, setting in settings:
        report[label] = _percentiles(times[label], cpu_times[label])
        if setting is None:
            continue
        budget, candidates = setting
        report[label].update(_agreement(found[label], exact), budget=budget, candidates=candidates)
        shares = []
        for text in texts:
            stats: dict[str, int] = {}
            with index._lock.read():
                approximate_candidates(index, index._query_terms(text, None), budget=budget, candidates=candidates, stats=stats)
            shares.append(stats["accumulated"] / max(stats["postings"], 1))
        report[label]["postings_accumulated_share_p50"] = round(float(np.median(shares)), 3)
        log(f"{label} {report[label]}")
    if approximate:
        use(default)
        postings = []
        for text in texts:
            stats = {}
            with index._lock.read():
                approximate_candidates(index, index._query_terms(text, None), stats=stats)
            postings.append(stats["postings"])
        report["query_postings_p50"] = int(np.median(postings))
    tokenize_times = []
    for text in texts:
        begun = time.thread_time()
        tokenizer.tokenize(text)
        tokenize_times.append(time.thread_time() - begun)
    tok = np.asarray(tokenize_times) * 1000
    report["query_tokenize_cpu_ms_p50"] = round(float(np.median(tok)), 2)  # included in the query times
    started = time.perf_counter()
    for doc_id in range(1, 101):
        index.update(doc_id, "窑炉能耗优化，余热回收")
    index.search(texts[0], pool)  # the first read after sealed removals corrects the statistics
    report["update_100_then_search_s"] = round(time.perf_counter() - started, 2)
    return report


def _percentiles(times: Sequence[float], cpu_times: Sequence[float]) -> dict[str, float]:
    values, cpu = np.asarray(times) * 1000, np.asarray(cpu_times) * 1000
    return {
        "p50": round(float(np.median(values)), 2),
        "p99": round(float(np.percentile(values, 99)), 2),
        "cpu_p50": round(float(np.median(cpu)), 2),
        "cpu_p99": round(float(np.percentile(cpu, 99)), 2),
    }


def _agreement(found: Sequence[list[tuple[int, float]]], exact: Sequence[list[tuple[int, float]]]) -> dict[str, Any]:
    """Recall@10 and pool overlap against the exact results, ties of the last exact score
    counting as hits (scores of either search are exact BM25), and queries with identical pools."""
    recall, overlap, same = [], [], 0
    for got, truth in zip(found, exact, strict=True):
        if not truth:
            continue
        for depth, out in ((10, recall), (len(truth), overlap)):
            wanted = truth[:depth]
            last = wanted[-1][1] * (1.0 - 1e-9)
            out.append(sum(score >= last for _, score in got[: len(wanted)]) / len(wanted))
        same += [doc for doc, _ in got] == [doc for doc, _ in truth]
    return {
        "recall@10_mean": round(float(np.mean(recall)), 4),
        "recall@10_min": round(float(np.min(recall)), 2),
        "recall@10_p10": round(float(np.percentile(recall, 10)), 2),
        "pool_overlap_mean": round(float(np.mean(overlap)), 4),
        "pool_overlap_min": round(float(np.min(overlap)), 3),
        "same_pool_queries": same,
    }


#: Queries per turn of each setting (``_queries``).
_BLOCK = 10

def memory_of_processes(path: Path, needs: Sequence[dict[str, str]], workers: int, *, pool: int = 200) -> list[dict[str, Any]]:
    """``workers`` processes that each load the BM25 file at ``path`` (memory-mapped) and
    search every need twice; each one's load time, CPU p50 / p99 of each pass (the first maps
    the file's pages as it touches them) and memory (bytes) while all are alive, so shared pages
    are split between them in PSS."""
    texts = [f"{row['title']}。{row['description']}" for row in needs]
    return worker_memory.memory_of_processes(workers, lexical_path=path, texts=texts, pool=pool)
