"""The lexical channel at catalog scale: BM25 build time, memory and query time.

Texts: ``n`` synthetic solutions recombined from the fixture generator's output (its phrase
banks): a title and 4-8 sentences drawn from solutions of the same category, sentences joined
by "。". Tokenizing a million texts with jieba takes most of an hour on a shared core, so the
bench tokenizes each distinct sentence once and adds up their counts: that equals tokenizing
the whole text because "。" ends every token run (checked on a sample, reported as
``memo_mismatches``); the direct tokenizer's rate is measured on its own and reported, so a
real build's time is ``n / tokenize_docs_per_s + index_build_s``.

Queries: fixture needs (title + description), searched for a 200-candidate pool, one at a time,
with every posting scored (exhaustive) and with MaxScore (``lexical_prune``, the default above
``PRUNE_ABOVE`` documents); both are exact, and the bench checks that they return the same
documents in the same order. Times include tokenizing the query, which is also reported alone.
"""

from __future__ import annotations

import gc
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .lexical import BM25Index, Tokenizer
from .lexical_prune import maxscore_candidates
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
        return _queries(index, tokenizer, needs, report, queries=queries, pool=pool)
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
        index.save(saved)
    return _queries(index, tokenizer, needs, report, queries=queries, pool=pool)


def _queries(
    index: Any, tokenizer: Tokenizer, needs: Sequence[dict[str, str]], report: dict[str, Any], *, queries: int, pool: int
) -> dict[str, Any]:
    """Time searches of the first ``queries`` needs, exhaustive and with MaxScore, then updates."""
    texts = [f"{row['title']}。{row['description']}" for row in needs[:queries]]

    def timed(label: str) -> list[list[int]]:
        index.search(texts[0], pool)
        times, cpu_times, found = [], [], []
        for text in texts:
            begun, cpu_begun = time.perf_counter(), time.thread_time()
            found.append([doc for doc, _ in index.search(text, pool)])
            times.append(time.perf_counter() - begun)
            cpu_times.append(time.thread_time() - cpu_begun)
        values, cpu = np.asarray(times) * 1000, np.asarray(cpu_times) * 1000
        report[label] = {
            "p50": round(float(np.median(values)), 2),
            "p99": round(float(np.percentile(values, 99)), 2),
            "cpu_p50": round(float(np.median(cpu)), 2),
            "cpu_p99": round(float(np.percentile(cpu, 99)), 2),
        }
        return found

    pruning = hasattr(index, "prune_above")
    if pruning:
        index.prune_above = None  # every posting scored
    exhaustive = timed("query_ms_exhaustive")
    if pruning:
        index.prune_above = 0
        cpu_begun = time.process_time()
        index._impact_bounds()  # computed once per seal (kept in the index file)
        report["impact_bounds_cpu_s"] = round(time.process_time() - cpu_begun, 2)
        pruned = timed("query_ms_maxscore")
        report["maxscore_same_as_exhaustive"] = sum(a == b for a, b in zip(pruned, exhaustive, strict=True))
        shares = []
        for text in texts:
            stats: dict[str, int] = {}
            with index._lock.read():
                maxscore_candidates(index, index._query_terms(text, None), pool, stats)
            shares.append(stats["walked"] / max(stats["postings"], 1))
        report["maxscore_postings_walked_share_p50"] = round(float(np.median(shares)), 3)
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
