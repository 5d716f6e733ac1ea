"""Encoding fans out: the passages a build must encode are split into chunks that any number of
Celery workers encode in parallel, on one machine or several (``MATCHING_JOBS=celery``).

Each chunk is a job (``solution_vectors_encode``, a Celery task in ``matching.tasks``) that reads
its solutions from the database, encodes the passages not stored yet (same model, same text) and
stores their ``SolutionVector`` rows marked ``NOT_INDEXED``: idempotent, so a chunk delivered
twice (a killed worker's) encodes nothing the second time. The build queues the chunks, follows
their progress in the database (rows written since it started, with the expected text hash),
then builds the index from the stored vectors as usual, encoding nothing more. In the embedded
modes (``thread``, ``sync``) the same chunks run in this process, one after the other.

Throughput grows with the workers as long as the database takes the writes and the broker the
messages (one message and one bulk write per chunk); the chunk size trades the per-chunk
overhead against how evenly the last chunks spread over the workers (``bench_fanout``)."""
from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

from django.utils import timezone

from matching import jobs, selectors, store
from matching.engine import SolutionFacts
from matching.models import SolutionVector
from matching.vectors import NOT_INDEXED, Progress, _no_progress, _stored_vectors, _vectors_store, config, embedder

FAN_OUT_STALLED = (
    "no encoding chunk finished in {seconds} s, {remaining} solutions still to encode: are Celery workers "
    "running (`celery -A config worker`) on queue {queue!r}? The queued chunks stay queued; run the build again "
    "once workers run (stored vectors are reused)."
)
POLL_SECONDS = 1.0
CLOCK_MARGIN = timedelta(seconds=120)  # workers' clocks and the delay between a row's timestamp and its commit


class FanOutStalled(RuntimeError):
    """No worker finished a chunk for ``FAN_OUT_STALL_SECONDS``."""


def solution_vectors_encode(*, ids: list[int]) -> int:
    """Job, one chunk: encode the passages of these solutions that are not stored yet (same model,
    same text) and store them, not yet indexed. Returns how many were encoded."""
    documents = list(selectors.documents(selectors.indexable_solutions().filter(pk__in=ids), selectors.labels()))
    _, missing = _stored_vectors(documents)
    if not missing:
        return 0
    todo = [documents[position] for position in missing]
    _vectors_store(todo, list(embedder().encode_passages([text for _, text in todo])), indexed=False)
    return len(todo)


def passages_encode(
    documents: list[tuple[SolutionFacts, str]], *, fan_out: bool | None = None, progress: Progress = _no_progress
) -> int:
    """Before a build: encode and store the passages of ``documents`` not stored yet, in chunks
    (``FAN_OUT_CHUNK``), when ``fan_out`` is True, or when it is None (the default) and jobs run
    on Celery and at least ``FAN_OUT_MIN`` passages are missing. Returns how many were missing
    (0 when not fanned out: the build then encodes them itself, in this process)."""
    _, positions = _stored_vectors(documents)
    celery = jobs.mode() == "celery"
    if fan_out is None:
        fan_out = celery and len(positions) >= config().get("FAN_OUT_MIN", 1000)
    if not fan_out or not positions:
        return 0
    expected = {documents[p][0].id: store.text_hash(documents[p][1]) for p in positions}
    size = max(1, int(config().get("FAN_OUT_CHUNK", 128)))
    ids = list(expected)
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    if not celery:
        for chunk in progress(chunks, len(chunks), f"Encoding solutions ({size} a chunk)"):
            solution_vectors_encode(ids=chunk)
        return len(ids)
    since = timezone.now() - CLOCK_MARGIN
    for chunk in chunks:
        jobs.send(solution_vectors_encode, ids=chunk)
    description = f"Encoding solutions ({len(chunks)} chunks on the workers)"
    for _ in progress(_finished(expected, since), len(expected), description):
        pass
    return len(ids)


def _finished(expected: dict[int, str], since) -> Iterator[int]:
    """Yield each solution id once a worker has stored its vector of the expected text; raise
    ``FanOutStalled`` when none comes for ``FAN_OUT_STALL_SECONDS``."""
    from django.conf import settings

    identity, remaining = embedder().identity, dict(expected)
    stall = config().get("FAN_OUT_STALL_SECONDS", 900)
    watermark, last = since, time.monotonic()
    while remaining:
        rows = SolutionVector.objects.filter(identity=identity, updated_at__gte=watermark).values_list(
            "solution_id", "text_hash", "updated_at"
        )
        done = []
        for pk, text_hash, updated_at in rows:
            if remaining.get(pk) == text_hash:
                done.append(pk)
                watermark = max(watermark, updated_at - CLOCK_MARGIN)
        for pk in done:
            del remaining[pk]
            yield pk
        if done:
            last = time.monotonic()
        elif time.monotonic() - last > stall:
            if watermark != since:  # one full look before giving up: a row committed late
                watermark = since
                continue
            raise FanOutStalled(
                FAN_OUT_STALLED.format(seconds=stall, remaining=len(remaining), queue=settings.CELERY_TASK_DEFAULT_QUEUE)
            )
        if remaining:
            time.sleep(POLL_SECONDS)


__all__ = ["NOT_INDEXED", "FanOutStalled", "passages_encode", "solution_vectors_encode"]
