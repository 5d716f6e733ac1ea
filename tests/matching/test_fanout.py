"""Encoding fans out (``matching.fanout``): a build splits the passages to encode into chunks,
each an idempotent job that stores its vectors; the build then indexes the stored vectors. Here
in the embedded mode (chunks in this process); with two real Celery workers:
tests/runtime/test_fanout.py."""
from __future__ import annotations

import numpy as np
import pytest

from matching import fanout, selectors, services, store
from matching.models import SolutionVector
from matching.status import matching_status
from tests.marketplace.factories import SolutionFactory


@pytest.fixture
def solutions(db, settings):
    settings.MATCHING = {**settings.MATCHING, "FAN_OUT_CHUNK": 3}
    return SolutionFactory.create_batch(7)


@pytest.fixture
def encoded(monkeypatch):
    """The texts the embedder is asked to encode, call by call."""
    model = services.embedder()
    calls: list[list[str]] = []
    inner = model.inner.encode_passages
    monkeypatch.setattr(model.inner, "encode_passages", lambda texts: calls.append(list(texts)) or inner(texts))
    return calls


def test_a_fanned_out_build_encodes_each_passage_once_in_chunks_and_indexes_them(solutions, encoded, monkeypatch):
    chunks: list[list[int]] = []
    encode_chunk = fanout.solution_vectors_encode
    monkeypatch.setattr(fanout, "solution_vectors_encode", lambda *, ids: chunks.append(ids) or encode_chunk(ids=ids))

    words = services.tokenizer()
    segmented: list[str] = []
    tokenize = words.tokenize
    monkeypatch.setattr(words, "tokenize", lambda text: segmented.append(text) or tokenize(text))

    state = services.index_build(fan_out=True)

    assert [len(chunk) for chunk in chunks] == [3, 3, 1]
    assert len(segmented) == 7  # in the chunks; the build keeps their term counts
    assert sorted(sum(chunks, [])) == sorted(solution.pk for solution in solutions)
    assert sum(len(texts) for texts in encoded) == 7  # every passage once, all of them in the chunks
    assert state.size == 7 and len(services.get_matcher()) == 7
    assert matching_status()["solutions_pending"] == 0  # the build stored the real states over NOT_INDEXED


def test_fanned_out_vectors_equal_the_in_process_ones(solutions):
    services.index_build(fan_out=False)
    before = dict(SolutionVector.objects.values_list("solution_id", "vector"))
    SolutionVector.objects.all().delete()

    services.index_build(fan_out=True)

    after = dict(SolutionVector.objects.values_list("solution_id", "vector"))
    assert before.keys() == after.keys()
    for pk, vector in before.items():
        np.testing.assert_array_equal(store.from_bytes(vector), store.from_bytes(after[pk]))


def test_a_chunk_delivered_twice_encodes_nothing_the_second_time_and_stays_pending_until_indexed(solutions, encoded):
    ids = [solution.pk for solution in solutions[:3]]

    assert fanout.solution_vectors_encode(ids=ids) == 3
    assert fanout.solution_vectors_encode(ids=ids) == 0

    assert sum(len(texts) for texts in encoded) == 3
    rows = SolutionVector.objects.filter(solution_id__in=ids)
    assert {row.state_hash for row in rows} == {fanout.NOT_INDEXED}
    assert matching_status()["solutions_pending"] == 7  # encoded is not indexed


def test_by_default_only_celery_jobs_fan_out(solutions, settings):
    documents = list(selectors.documents(selectors.indexable_solutions(), selectors.labels()))
    assert settings.MATCHING["JOBS"] == "sync"
    assert fanout.passages_encode(documents) == 0
    assert SolutionVector.objects.count() == 0
