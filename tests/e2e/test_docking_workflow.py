"""The docking workflow through the HTTP API, as a county portal or a provider's CRM would drive
it: real model, real index files, real database (PostgreSQL in CI), commits that really commit
(so matching, leads and notifications run on commit as in production).

need -> matches -> lead -> interest (proposal) -> acceptance -> contacts revealed -> closed.
"""
from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from marketplace.catalog.models import AuditEvent, County, Provider
from tests.e2e.conftest import fixture_catalog_rows
from tests.e2e.test_matching_real import _kiln_catalog
from tests.marketplace.factories import EnterpriseFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-12345"


def _token_client(username: str) -> APIClient:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def _ok(response, status: int = 200) -> dict | list:
    assert response.status_code == status, response.content.decode()
    return response.json()


@pytest.fixture
def docking_world(reference_data, real_model, settings, run_command, write_file):
    settings.NOTIFY_LEAD_MIN_SCORE = 0.0
    assert run_command("import_catalog", str(write_file("catalog.csv", fixture_catalog_rows(_kiln_catalog)))).returncode == 0
    assert run_command("build_index", "--no-refresh").returncode == 0
    plant = EnterpriseFactory(
        name="博山鑫盛陶瓷有限公司", industry_id="ceramics", city_id="淄博市",
        county=County.objects.get(city="淄博市", name="博山区"),
        contact_name="王厂长", contact_phone="13800000001", contact_email="boss@plant.example.cn",
    )  # fmt: skip
    brain_maker = Provider.objects.get(name="淄博海智造科技有限公司")
    brain_maker.contact_name, brain_maker.contact_phone = "海工程师", "13900000001"
    brain_maker.save()
    UserFactory(username="plant", enterprise=plant, email="owner@plant.example.cn")
    UserFactory(username="hzz", provider=brain_maker, email="sales@hzz.example.cn")
    return plant, brain_maker


def test_need_to_contract_through_the_api(docking_world):
    plant, brain_maker = docking_world
    enterprise, provider = _token_client("plant"), _token_client("hzz")

    # The enterprise posts its pain point in its own words.
    need = _ok(enterprise.post("/api/needs/", {
        "title": "窑炉节能", "description": "窑炉温度全靠老师傅看火，天然气费用一年比一年高",
        "budget_max": 150000, "timeline_weeks": 8,
    }, format="json"), 201)  # fmt: skip
    ref = need["ref"]

    # Matches: affordable and explained, the kiln brain among the first three.
    matches = _ok(enterprise.get(f"/api/needs/{ref}/matches/"))
    assert "S00010" in [m["solution"]["ref"] for m in matches[:3]]
    assert not any(m["over_budget"] for m in matches)
    assert all(m["reasons_zh"] and m["components"] for m in matches)
    english = enterprise.get(f"/api/needs/{ref}/matches/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english[0]["reasons"] == english[0]["reasons_en"] != english[0]["reasons_zh"]
    assert english[0]["reason_codes"][0]["code"] in ("within_budget", "partly_over_budget")

    # On commit the need was matched and offered as a lead to the kiln brain's maker.
    leads = _ok(provider.get("/api/leads/"))["results"]
    lead = next(item for item in leads if item["need"]["ref"] == ref)
    assert lead["solution"]["ref"] == "S00010"
    assert "13800000001" not in str(leads) and "鑫盛" not in str(leads)  # the enterprise stays anonymous
    assert any(n["kind"] == "new_lead" for n in _ok(provider.get("/api/notifications/"))["results"])

    # Interest: a proposal; the enterprise hears of it in the app and by mail.
    mail.outbox.clear()
    proposal = _ok(provider.post("/api/proposals/", {
        "need": ref, "solution": "S00010", "price_quote": 138000, "weeks": 6, "message": "可先上窑炉温控模块",
    }, format="json"), 201)  # fmt: skip
    assert proposal["enterprise_contact"] is None
    notices = _ok(enterprise.get("/api/notifications/?unread=true"))["results"]
    assert notices[0]["kind"] == "new_proposal" and "淄博海智造科技有限公司" in notices[0]["text"]
    assert [m.to for m in mail.outbox] == [["owner@plant.example.cn"]]

    seen = _ok(enterprise.get(f"/api/proposals/?need={ref}"))["results"]
    assert [p["id"] for p in seen] == [proposal["id"]] and seen[0]["provider_contact"] is None

    # Acceptance reveals both sides' contacts to each other.
    accepted = _ok(enterprise.post(f"/api/proposals/{proposal['id']}/accept/", {}, format="json"))
    assert accepted["status"] == "accepted"
    assert accepted["provider_contact"]["contact_phone"] == "13900000001"
    mine = _ok(provider.get(f"/api/proposals/{proposal['id']}/"))
    assert mine["enterprise_contact"] == {
        "name": "博山鑫盛陶瓷有限公司", "contact_name": "王厂长",
        "contact_phone": "13800000001", "contact_email": "boss@plant.example.cn",
    }  # fmt: skip
    assert any(n["kind"] == "proposal_accepted" for n in _ok(provider.get("/api/notifications/"))["results"])

    # A second acceptance is refused; the need closes as contracted.
    again = enterprise.post(f"/api/proposals/{proposal['id']}/accept/", {}, format="json")
    assert again.status_code == 409
    closed = _ok(enterprise.post(f"/api/needs/{ref}/close/", {"outcome": "contracted"}, format="json"))
    assert (closed["status"], closed["outcome"]) == ("closed", "contracted")
    assert enterprise.patch(f"/api/needs/{ref}/", {"budget_max": 1}, format="json").status_code == 409

    actions = list(AuditEvent.objects.filter(need__ref=ref).values_list("action", flat=True))
    assert actions == ["need.created", "proposal.submitted", "proposal.accepted", "need.closed"]
