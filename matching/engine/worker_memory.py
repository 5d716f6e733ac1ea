"""Memory of web workers that share memory-mapped index files.

``memory_of_processes`` starts N processes, as gunicorn starts its workers; each one maps the
given FAISS file and/or loads the given BM25 file (memory-mapped too), searches with them, and
reports its memory from ``/proc`` while all N are alive, so pages shared through the page cache
are split between them in PSS. RSS counts every mapped page a process touched (Python, numpy and
FAISS included).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["memory_of_processes"]

_WORKER = """
import json, os, sys, time
sys.path.insert(0, os.getcwd())
spec = json.loads(sys.argv[1])
report = {}

def timed(label, search, items, passes):
    for number in range(passes):  # the first pass also maps the pages it touches
        cpu = []
        for item in items:
            begun = time.thread_time()
            search(item)
            cpu.append(time.thread_time() - begun)
        cpu.sort()
        name = label if passes == 1 else f"{label}_{('first', 'second')[min(number, 1)]}_pass"
        report[f"{name}_cpu_p50_ms"] = round(cpu[len(cpu) // 2] * 1000, 2)
        report[f"{name}_cpu_p99_ms"] = round(cpu[int(len(cpu) * 0.99)] * 1000, 2)

vector = spec.get("vector")
if vector:
    import faiss, numpy as np
    faiss.omp_set_num_threads(1)
    started, cpu_started = time.perf_counter(), time.process_time()
    index = faiss.read_index(vector["path"], faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    if vector["nprobe"]:
        faiss.extract_index_ivf(index).nprobe = vector["nprobe"]
    report["vector_load_s"] = round(time.perf_counter() - started, 2)
    report["vector_load_cpu_s"] = round(time.process_time() - cpu_started, 2)
    queries = np.load(vector["queries"])
    timed("vector", lambda row: index.search(queries[row : row + 1], 10), range(len(queries)), 1)
lexical = spec.get("lexical")
if lexical:
    from matching.engine.lexical import BM25Index, Tokenizer
    texts = json.load(open(lexical["texts"], encoding="utf-8"))
    tokenizer = Tokenizer()
    tokenizer.tokenize("预热")
    started, cpu_started = time.perf_counter(), time.process_time()
    bm25 = BM25Index.load(lexical["path"], tokenizer)
    report["load_s"] = round(time.perf_counter() - started, 2)
    report["load_cpu_s"] = round(time.process_time() - cpu_started, 2)
    timed("lexical" if vector else "", lambda text: bm25.search(text, lexical["pool"]), texts, 2)
print("ready", flush=True)
sys.stdin.readline()  # the parent says when every worker has loaded and searched
for name in ("/proc/self/status", "/proc/self/smaps_rollup"):
    for line in open(name):
        key = line.split(":")[0]
        if key in ("VmRSS", "Rss", "Pss", "Private_Clean", "Private_Dirty", "Shared_Clean", "Shared_Dirty"):
            report[key] = int(line.split()[1]) * 1024
print(json.dumps({key.lstrip("_"): value for key, value in report.items()}))
sys.stdout.flush()
sys.stdin.read()  # stay alive (mapped) until the parent has measured every worker
"""


def memory_of_processes(
    workers: int,
    *,
    vector_path: str | Path | None = None,
    queries: np.ndarray | None = None,
    nprobe: int = 0,
    lexical_path: str | Path | None = None,
    texts: Sequence[str] = (),
    pool: int = 200,
) -> list[dict[str, Any]]:
    """Start ``workers`` processes that each map the FAISS file at ``vector_path`` (searching
    ``queries`` once, ``nprobe`` lists if IVF) and/or load the BM25 file at ``lexical_path``
    (searching ``texts`` twice for ``pool`` documents); returns each one's load times, CPU p50 /
    p99 per pass and memory in bytes (VmRSS, Rss, Pss, Private_*, Shared_*) while all are alive."""
    if vector_path is None and lexical_path is None:
        raise ValueError("give a vector index file, a lexical file, or both")
    with tempfile.TemporaryDirectory() as folder:
        spec: dict[str, Any] = {}
        if vector_path is not None:
            queries_path = Path(folder) / "queries.npy"
            np.save(queries_path, np.ascontiguousarray(queries, dtype=np.float32))
            spec["vector"] = {"path": str(vector_path), "nprobe": int(nprobe), "queries": str(queries_path)}
        if lexical_path is not None:
            texts_path = Path(folder) / "texts.json"
            texts_path.write_text(json.dumps(list(texts), ensure_ascii=False), encoding="utf-8")
            spec["lexical"] = {"path": str(lexical_path), "texts": str(texts_path), "pool": int(pool)}
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", _WORKER, json.dumps(spec)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
            for _ in range(workers)
        ]
        try:
            for process in processes:
                if process.stdout.readline().strip() != "ready":  # type: ignore[union-attr]
                    raise RuntimeError("an index-loading worker failed")
            for process in processes:  # every worker has loaded and searched before any measures
                process.stdin.write("measure\n")  # type: ignore[union-attr]
                process.stdin.flush()  # type: ignore[union-attr]
            return [json.loads(process.stdout.readline()) for process in processes]  # type: ignore[union-attr]
        finally:
            for process in processes:
                process.stdin.close()  # type: ignore[union-attr]
                process.wait()
