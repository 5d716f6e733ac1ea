"""Correctness in the database, in one process: stored vectors, what is pending
(``matching.status``), the sweep, batched query encoding, and requests that never encode.
With worker and web processes: tests/runtime/."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from marketplace.catalog.models import Need, Solution
from marketplace.docking.services import sync
from matching import jobs, services, vectors
from matching.engine.embedders import HashingEmbedder
from matching.models import IndexState, NeedVector
from matching.status import matching_status
from tests.marketplace.factories import NeedFactory


def status_json() -> dict:
    out = io.StringIO()
    call_command("matching_status", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def no_encoding(monkeypatch):
    def refuse(self, texts):
        pytest.fail(f"encoded {texts!r}")

    monkeypatch.setattr(HashingEmbedder, "encode_queries", refuse)
    monkeypatch.setattr(HashingEmbedder, "encode_passages", refuse)


def test_status_counts_what_the_index_and_the_stored_matches_do_not_reflect_yet(built):
    status = status_json()
    assert status["index_version"] == 1
    assert (status["solutions_total"], status["solutions_pending"]) == (4, 0)
    assert (status["needs_open"], status["needs_pending"]) == (1, 1)  # build_index --no-refresh: never matched
    assert status["oldest_pending_seconds"] is not None

    services.need_matches_update()
    assert matching_status()["needs_pending"] == 0
    assert matching_status()["oldest_pending_seconds"] is None

    Solution.objects.filter(ref="S-KILN").update(price_min=1)  # a write whose job was lost
    Need.objects.filter(ref="N-1").update(budget_max=1)
    status = matching_status()
    assert (status["solutions_pending"], status["needs_pending"]) == (1, 1)


def test_a_need_matched_against_an_older_index_is_pending(built):
    services.need_matches_update()
    IndexState.objects.update(version=2)  # a solution re-indexed, the re-match not done yet

    assert matching_status()["needs_pending"] == 1


def test_needs_matched_under_other_ranking_weights_are_pending(built, settings, django_user_model):
    services.need_matches_update()
    settings.MATCHING = {**settings.MATCHING, "JOBS": "celery"}  # the re-match job is lost: broker down
    staff = django_user_model.objects.create_user("weights-admin", is_staff=True)

    services.ranking_weights_save(actor=staff, values={**services.weights().to_dict(), "industry": 0.2})

    assert matching_status()["needs_pending"] == 1  # the sweep re-matches it
    services.need_matches_update()
    assert matching_status()["needs_pending"] == 0


def test_the_sweep_queues_every_pending_job_and_then_nothing(built, monkeypatch):
    kiln = Solution.objects.get(ref="S-KILN")
    Solution.objects.filter(pk=kiln.pk).update(title="窑炉智能看火")
    queued = []
    monkeypatch.setattr(jobs, "enqueue_ids", lambda job, ids: queued.append((job, ids)))

    assert sync.sweep() == {"solutions": 1, "needs": 1}
    assert queued == [(sync.solutions_changed, [kiln.pk]), (sync.needs_changed, [Need.objects.get(ref="N-1").pk])]

    for job, ids in queued:
        job(ids=ids)
    queued.clear()
    assert sync.sweep() == {"solutions": 0, "needs": 0}
    assert queued == []


def test_the_sweep_command_reports_what_it_queued(built):
    out = io.StringIO()
    call_command("matching_sweep", stdout=out)  # jobs inline in tests: the need is matched

    assert out.getvalue().strip() == "Queued 0 solution(s) and 1 need(s)"
    assert matching_status()["needs_pending"] == 0


def test_query_vectors_of_many_needs_are_encoded_in_one_batch_and_stored(built, monkeypatch):
    enterprise = Need.objects.get(ref="N-1").enterprise
    for number in range(5):
        NeedFactory(enterprise=enterprise, description=f"窑炉温度全靠老师傅看火，第{number}号窑")
    calls = []
    encode = HashingEmbedder.encode_queries
    monkeypatch.setattr(HashingEmbedder, "encode_queries", lambda self, texts: calls.append(len(texts)) or encode(self, texts))

    services.need_matches_update()

    assert calls == [6]  # one batched call, none per search
    assert NeedVector.objects.filter(matched_version=1).count() == 6


def test_a_request_reads_stored_matches_and_never_encodes(built, settings, no_encoding):
    settings.MATCHING = {**settings.MATCHING, "JOBS": "celery"}  # jobs elsewhere
    need = Need.objects.get(ref="N-1")

    assert services.need_matches(need=need) == []  # not matched yet: in progress
    assert services.matching_pending(need) is True
    assert services.need_matches(need=need, include_over_budget=True) == []  # no stored query vector yet


def test_a_worker_stores_the_query_vector_the_web_then_searches_with(built, settings, monkeypatch):
    services.need_matches_update()  # the worker
    services._Loaded.forget()
    vectors._embedding_caches.clear()  # a web process: nothing in memory
    settings.MATCHING = {**settings.MATCHING, "JOBS": "celery"}
    monkeypatch.setattr(HashingEmbedder, "encode_queries", lambda self, texts: pytest.fail("encoded"))
    monkeypatch.setattr(HashingEmbedder, "encode_passages", lambda self, texts: pytest.fail("encoded"))
    need = Need.objects.get(ref="N-1")

    shown = services.need_matches(need=need)
    live = services.need_matches(need=need, include_over_budget=True)

    assert shown and shown[0]["record"].ref == "S-KILN"
    assert "S-KILN-PRICEY" in [row["record"].ref for row in live]
    assert services.matching_pending(need) is False
