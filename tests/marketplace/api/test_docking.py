"""The rules of the docking workflow, the API's errors and languages, and what staff measure."""
from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient

from marketplace.docking.apis import needs as needs_api
from marketplace.catalog.models import AuditEvent, Need, Solution
from marketplace.docking.services import workflow
from marketplace.docking.models import Notification, Proposal

pytestmark = pytest.mark.django_db


def test_matches_leave_out_over_budget_unless_asked_and_then_flag_them(world):
    client = world.client("enterprise_a")

    default = client.get(f"/api/needs/{world.need_a.ref}/matches/").json()
    everything = client.get(f"/api/needs/{world.need_a.ref}/matches/?include_over_budget=true").json()

    assert "S-KILN-PRICEY" not in [m["solution"]["ref"] for m in default]
    pricey = next(m for m in everything if m["solution"]["ref"] == "S-KILN-PRICEY")
    assert pricey["over_budget"] is True
    assert [m["rank"] for m in default] == list(range(1, len(default) + 1))


def test_matches_carry_a_calibrated_probability_and_whether_they_are_strong(world):
    from matching.calibration import calibration

    rows = world.client("enterprise_a").get(f"/api/needs/{world.need_a.ref}/matches/").json()

    assert rows
    for row in rows:  # score stays for old clients; probability and strong are added
        assert row["probability"] == calibration().probability(row["score"])
        assert row["strong"] is (row["probability"] >= calibration().threshold)


def test_compare_takes_one_to_three_known_solutions(world):
    client = world.client("enterprise_a")
    base = f"/api/needs/{world.need_a.ref}/compare/"

    rows = client.get(base + "?solutions=S-KILN,S-KILN-PRICEY,S-ENERGY").json()
    assert [r["solution"]["ref"] for r in rows] == ["S-KILN", "S-KILN-PRICEY", "S-ENERGY"]
    assert [r["over_budget"] for r in rows] == [False, True, False]
    assert rows[0]["structured"] > rows[1]["structured"]

    too_many = client.get(base + "?solutions=S-KILN,S-KILN-PRICEY,S-ENERGY,S-MES")
    unknown = client.get(base + "?solutions=S-KILN,S-NOPE")
    assert too_many.status_code == unknown.status_code == 400
    assert too_many.json() == {"solutions": [str(needs_api.COMPARE_COUNT)]}
    assert "S-NOPE" in unknown.json()["solutions"][0]
    assert client.get(base + "?solutions=S-KILN%00").status_code == 400  # a NUL is refused at the edge, never a 500


def test_field_errors_come_in_the_request_language(world):
    client = world.client("enterprise_a")
    body = {"title": "", "budget_max": "很多"}

    chinese = client.post("/api/needs/", body, format="json").json()
    english = client.post("/api/needs/", body, format="json", HTTP_ACCEPT_LANGUAGE="en").json()

    assert set(chinese) == set(english) == {"title", "description", "budget_max"}
    assert english["description"] == ["This field is required."]
    assert chinese["description"] == ["该字段是必填项。"]
    assert english["budget_max"] == ["A valid integer is required."]


def test_service_refusals_are_translated_too(world):
    client = world.client("provider_y")
    path = f"/api/proposals/{world.proposal_x.pk}/withdraw/"
    own = world.client("enterprise_a")

    chinese = own.post(path, {}, format="json")
    english = own.post(path, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.status_code == english.status_code == 403
    assert chinese.json()["detail"] == str(workflow.NOT_YOUR_PROPOSAL)
    assert english.json()["detail"] == "Only your own provider's proposals can be withdrawn"
    assert client.post(path, {}, format="json").status_code == 404


def test_withdrawn_proposal_cannot_be_accepted(world):
    workflow.proposal_withdraw(actor=world.users["provider_x"], proposal=world.proposal_x)

    response = world.client("enterprise_a").post(f"/api/proposals/{world.proposal_x.pk}/accept/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == str(workflow.PROPOSAL_NOT_PENDING)


def test_one_live_proposal_per_provider_and_need(world):
    response = world.client("provider_x").post(
        "/api/proposals/",
        {"need": world.need_a.ref, "solution": "S-KILN", "price_quote": 100000, "weeks": 5},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["detail"] == str(workflow.ALREADY_PROPOSED)


def test_closing_as_contracted_needs_an_acceptance_and_declines_the_rest(world, django_capture_on_commit_callbacks):
    client = world.client("enterprise_a")
    close = f"/api/needs/{world.need_a.ref}/close/"

    refused = client.post(close, {"outcome": "contracted"}, format="json")
    assert refused.status_code == 409 and refused.json()["detail"] == str(workflow.CONTRACTED_NEEDS_ACCEPTANCE)

    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(close, {"outcome": "not_contracted"}, format="json")
    assert closed.json()["status"] == "closed"
    assert Proposal.objects.get(pk=world.proposal_x.pk).status == Proposal.Status.DECLINED
    assert Notification.objects.filter(user=world.users["provider_x"], kind="proposal_declined").exists()
    assert world.client("provider_x").get("/api/leads/").json()["count"] == 0  # closed needs leave the inbox


def test_notifications_are_read_in_the_readers_language_and_mailed(world):
    client = world.client("enterprise_a")

    chinese = client.get("/api/notifications/").json()["results"][0]["text"]
    english = client.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]["text"]

    assert chinese.startswith("淄博海智造科技有限公司 对需求“窑炉节能”提交了方案建议")
    assert english.startswith("淄博海智造科技有限公司 proposed for the need")
    assert client.post("/api/notifications/read-all/", {}, format="json").json() == {"marked": 1}
    assert client.get("/api/notifications/?unread=true").json()["count"] == 0
    mailed = [m for m in mail.outbox if m.to == ["a-user@example.cn"]]
    assert len(mailed) == 1 and "提交了方案建议" in mailed[0].body and "proposed for the need" in mailed[0].body


def test_providers_hear_of_leads_above_the_threshold(world):
    assert Notification.objects.filter(user=world.users["provider_x"], kind="new_lead", need=world.need_a).exists()
    assert not Notification.objects.filter(user=world.users["provider_y"], need=world.need_a).exists()


def test_lead_inbox_filters(world):
    client = world.client("staff")

    def needs(query: str) -> list[str]:
        response = client.get("/api/leads/" + query)
        assert response.status_code == 200, response.content
        return sorted(lead["need"]["ref"] for lead in response.json()["results"])

    assert needs("") == ["N-1", "N-B"]
    assert needs("?city=青岛市") == ["N-B"]
    assert needs("?county=博山区") == ["N-1"]
    assert needs("?industry=ceramics") == ["N-1"]
    assert needs("?budget_max=100000") == ["N-B"]
    assert needs("?budget_min=100000") == ["N-1"]
    assert needs("?score_min=99") == []
    assert client.get("/api/leads/?budget_min=lots").status_code == 400


def test_staff_labels_feed_the_offline_metrics(world):
    client = world.client("staff")
    before = client.get("/api/metrics/").json()
    assert before["offline"] is None

    for solution, grade in (("S-KILN", 2), ("S-ENERGY", 1), ("S-MES", 0)):
        response = client.post("/api/match-labels/", {"need": "N-1", "solution": solution, "grade": grade, "note": "看过"}, format="json")
        assert response.status_code == 201, response.content
    relabel = client.post("/api/match-labels/", {"need": "N-1", "solution": "S-MES", "grade": 1}, format="json")
    assert relabel.json()["grade"] == 1 and client.get("/api/match-labels/").json()["count"] == 3

    after = client.get("/api/metrics/").json()
    assert after["offline"]["needs"] == 1 and 0 < after["offline"]["ndcg@10"] <= 1
    online = after["online"]
    assert online["leads"] == 2 and online["interest_rate"] == 0.5  # X answered its lead, Y not yet
    assert online["proposals"] == 1 and online["acceptance_rate"] is None
    assert online["in_budget_coverage"] == 1.0
    assert 0 <= online["exposure_gini"] <= 1
    assert AuditEvent.objects.filter(action="match.labelled").count() == 4


def test_token_authentication(world):
    world.users["provider_x"].set_password("pw-123456")
    world.users["provider_x"].save()
    token = APIClient().post("/api/auth/token/", {"username": "prov_x", "password": "pw-123456"}, format="json").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.get("/api/leads/").json()["count"] == 1
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get("/api/leads/").status_code == 401


def test_anonymous_requests_are_throttled(world, monkeypatch):
    from django.core.cache import cache
    from rest_framework import throttling

    cache.clear()
    monkeypatch.setattr(
        throttling.SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute", "search": "9/minute"}
    )
    try:
        statuses = [APIClient().get("/api/solutions/").status_code for _ in range(4)]
    finally:
        cache.clear()
    assert statuses == [200, 200, 200, 429]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
def test_two_racing_acceptances_one_wins(world):
    second = Proposal.objects.create(
        need=world.need_a, provider=Solution.objects.get(ref="S-ENERGY").provider,
        solution=Solution.objects.get(ref="S-ENERGY"), price_quote=60000, weeks=4,
    )  # fmt: skip
    barrier, statuses = threading.Barrier(2), []

    def accept(proposal_id: int) -> None:
        try:
            client = world.client("enterprise_a")
            barrier.wait()
            statuses.append(client.post(f"/api/proposals/{proposal_id}/accept/", {}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(pk,)) for pk in (world.proposal_x.pk, second.pk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    assert Proposal.objects.filter(need=world.need_a, status=Proposal.Status.ACCEPTED).count() == 1


def test_the_database_refuses_a_second_acceptance_even_without_the_service(world):
    from django.db import IntegrityError, transaction

    Proposal.objects.filter(pk=world.proposal_x.pk).update(status=Proposal.Status.ACCEPTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(
            need=world.need_a, provider=world.lead_y.provider, solution=Solution.objects.get(ref="S-MES"),
            price_quote=1, weeks=1, status=Proposal.Status.ACCEPTED,
        )  # fmt: skip
    assert Need.objects.get(pk=world.need_a.pk).proposals.filter(status="accepted").count() == 1


def test_evaluate_matching_reads_the_staff_labels(world, run_command):
    from matching import services

    assert "no match has been labelled yet" in run_command("evaluate_matching", "--labels").stderr
    services.match_label_set(actor=world.users["staff"], need=world.need_a, solution=Solution.objects.get(ref="S-KILN"), grade=2)

    result = run_command("evaluate_matching", "--labels", "--json")

    assert result.returncode == 0, result.stderr
    import json

    rows = {row["variant"]: row for row in json.loads(result.stdout)}
    assert rows["fused + structured (blend)"]["needs"] == 1
    assert rows["fused + structured (blend)"]["mrr"] == 1.0  # the kiln brain leads the kiln need
    assert run_command("evaluate_matching", "--labels", "--qrels", "x.csv").returncode == 1


def test_a_provider_keeps_its_solutions_up_to_date_through_the_api(world, django_capture_on_commit_callbacks):
    client = world.client("provider_x")
    body = {
        "title": "窑炉烧成曲线优化", "category": "energy", "description": "窑炉温度全靠老师傅看火？自动优化烧成曲线，天然气省一成。",
        "price_min": 20000, "price_max": 40000, "deployment_weeks": 2, "delivery_mode": "saas",
        "industries": ["ceramics"], "regions_served": ["淄博市"], "cases": 3, "case_industries": ["ceramics"],
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/solutions/", body, format="json")
    assert created.status_code == 201, created.content
    ref = created.json()["ref"]
    assert created.json()["provider"]["ref"] == "P-HZZ"
    matches = world.client("enterprise_a").get(f"/api/needs/{world.need_a.ref}/matches/").json()
    assert ref in [m["solution"]["ref"] for m in matches]  # searchable without a rebuild

    with django_capture_on_commit_callbacks(execute=True):
        off = client.patch(f"/api/solutions/{ref}/", {"is_active": False}, format="json")
    assert off.json()["is_active"] is False
    assert client.get(f"/api/solutions/{ref}/").status_code == 404
    matches = world.client("enterprise_a").get(f"/api/needs/{world.need_a.ref}/matches/").json()
    assert ref not in [m["solution"]["ref"] for m in matches]

    bad = client.post("/api/solutions/", {**body, "category": "blockchain", "price_min": 50000}, format="json")
    assert bad.status_code == 400 and set(bad.json()) >= {"category"}
    wrong_order = client.post("/api/solutions/", {**body, "price_min": 50000}, format="json")
    assert wrong_order.status_code == 400 and "price_max" in wrong_order.json()


def test_unknown_refs_are_field_errors(world):
    from marketplace.catalog.apis.common import UNKNOWN_NEED, UNKNOWN_SOLUTION

    proposal = world.client("provider_x").post(
        "/api/proposals/", {"need": "N-NOPE", "solution": "S-NOPE", "price_quote": 1, "weeks": 1}, format="json"
    )
    label = world.client("staff").post("/api/match-labels/", {"need": "N-1", "solution": "S-NOPE", "grade": 2}, format="json")

    assert proposal.status_code == label.status_code == 400
    assert proposal.json() == {"need": [str(UNKNOWN_NEED)], "solution": [str(UNKNOWN_SOLUTION)]}
    assert label.json() == {"solution": [str(UNKNOWN_SOLUTION)]}


def test_matches_of_a_need_still_being_matched_answer_202_with_retry_after(world, settings):
    from matching import services
    from matching.models import Match, NeedVector

    settings.MATCHING = {**settings.MATCHING, "JOBS": "celery"}  # a worker computes them: a GET never does
    Match.objects.filter(need=world.need_a).delete()
    NeedVector.objects.filter(need=world.need_a).update(matched_at=None)
    client = world.client("enterprise_a")

    pending = client.get(f"/api/needs/{world.need_a.ref}/matches/")
    services.need_vectors_ensure([world.need_a])
    services.needs_stamp([world.need_a], version=services.index_version())  # matched, nothing fits
    matched_to_nothing = client.get(f"/api/needs/{world.need_a.ref}/matches/")

    assert (pending.status_code, pending.json(), pending["Retry-After"]) == (202, [], "5")
    assert (matched_to_nothing.status_code, matched_to_nothing.json()) == (200, [])
