"""Finding 8: the ranking could be gamed with claims. Out-of-range claims are refused; cases count
fully only once staff verify them, a verification stands for the claim as checked (any change of
cases or case industries clears it), and only staff can give it. The ranking itself is shown in
tests/e2e/test_gaming_real.py (real model) and tests/matching/engine/test_copies.py."""
from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client

from marketplace.catalog.models import AuditEvent, Industry, Solution
from marketplace.docking.services import solutions
from matching import services, store
from matching.models import SolutionVector
from tests.marketplace.files import VALID_CATALOG_ROWS, csv_bytes
from tests.matching.conftest import EXTRA_ROWS

pytestmark = pytest.mark.django_db

SOLUTIONS = "/admin/marketplace/solution/"


def _patch(world, role: str, body: dict, ref: str = "S-KILN"):
    return world.client(role).patch(f"/api/solutions/{ref}/", json.dumps(body), content_type="application/json")


def _admin(world) -> Client:
    """The staff user of the world, given the admin's permissions on solutions."""
    staff = world.users["staff"]
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


def _verify(world, *refs: str) -> None:
    client = _admin(world)
    selected = list(Solution.objects.filter(ref__in=refs).values_list("pk", flat=True))
    response = client.post(SOLUTIONS, {"action": "verify_cases", "_selected_action": selected})
    assert response.status_code == 302


def test_the_issue_s_patch_of_a_million_cases_is_refused_and_changes_nothing(world):
    response = _patch(world, "provider_x", {"cases": 1_000_000, "price_min": 0, "deployment_weeks": 0})

    assert response.status_code == 400
    assert set(response.json()) == {"cases"}
    kiln = Solution.objects.get(ref="S-KILN")
    assert (kiln.cases, kiln.price_min, kiln.deployment_weeks) == (12, 80_000, 6)


def test_a_free_entry_price_and_zero_weeks_are_real_offers_and_accepted(world):
    """The contract allows both (price_min >= 0; weeks 0-260: a SaaS ready to use): the fixture
    catalog has 42 solutions from 0 RMB, and 0 weeks gains at most 0.6% of speed_fit."""
    assert _patch(world, "provider_x", {"price_min": 0, "deployment_weeks": 0}).status_code == 200


def test_a_provider_cannot_verify_its_own_cases(world):
    response = _patch(world, "provider_x", {"cases_verified": True, "cases_verified_at": "2026-01-01T00:00:00Z"})

    assert response.status_code == 200
    assert response.json()["cases_verified"] is False
    assert Solution.objects.get(ref="S-KILN").cases_verified_at is None
    with pytest.raises(PermissionDenied, match="只有平台管理员可以核实案例"):
        solutions.solution_cases_verify(actor=world.users["provider_x"], solutions=Solution.objects.filter(ref="S-KILN"))


def test_staff_verify_cases_in_the_admin_and_the_api_and_pages_show_it(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _verify(world, "S-KILN")

    kiln = Solution.objects.get(ref="S-KILN")
    assert kiln.cases_verified and kiln.cases_verified_by == world.users["staff"]
    assert AuditEvent.objects.filter(action="solution.cases_verified", actor=world.users["staff"]).exists()
    api = world.client("anonymous").get("/api/solutions/S-KILN/").json()
    assert api["cases_verified"] is True and api["cases_verified_at"]
    assert "案例已核实" in Client().get("/solutions/S-KILN/").content.decode()
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Cases verified" in english.get("/solutions/S-KILN/").content.decode()
    assert "案例已核实" not in Client().get("/solutions/S-ENERGY/").content.decode()
    # The matcher reads the flag, and the stored state of the solution says so (a re-rank follows).
    matcher = services.get_matcher()
    assert matcher.facts(kiln.pk).cases_verified is True
    facts, text = next(services.selectors.documents([kiln], matcher.labels))
    assert SolutionVector.objects.get(solution=kiln).state_hash == store.state_hash(facts, text)


def test_the_match_card_shows_the_badge_and_the_reasons_say_when_cases_are_unverified(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world.users["enterprise_a"])
    page = client.get(f"/workspace/needs/{world.need_a.ref}/").content.decode()
    assert "案例为服务商自报，未经平台核实" in page and "案例已核实" not in page

    with django_capture_on_commit_callbacks(execute=True):
        _verify(world, "S-KILN")

    page = client.get(f"/workspace/needs/{world.need_a.ref}/").content.decode()
    assert "案例已核实" in page and "案例为服务商自报，未经平台核实" not in page  # re-matched after the verification
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Cases verified" in client.get(f"/workspace/needs/{world.need_a.ref}/").content.decode()


@pytest.mark.parametrize("change", [{"cases": 13}, {"case_industries": ["ceramics"]}])
def test_changing_the_verified_claim_clears_the_verification(world, change):
    _verify(world, "S-KILN")

    assert _patch(world, "provider_x", {"title": "窑炉智慧大脑 2.0", "cases": 12}).json()["cases_verified"] is True
    response = _patch(world, "provider_x", change)

    assert response.status_code == 200
    assert response.json()["cases_verified"] is False
    assert Solution.objects.get(ref="S-KILN").cases_verified_by is None


def test_an_import_that_changes_the_cases_clears_the_verification_and_one_that_does_not_keeps_it(
    world, run_command, write_file
):
    _verify(world, "S-KILN", "S-ENERGY")
    rows = [dict(row) for row in VALID_CATALOG_ROWS + EXTRA_ROWS]
    rows[0]["cases"] = "5000"  # S-KILN

    assert run_command("import_catalog", str(write_file("again.csv", csv_bytes(rows)))).returncode == 0

    assert not Solution.objects.get(ref="S-KILN").cases_verified
    assert Solution.objects.get(ref="S-ENERGY").cases_verified


def test_an_admin_edit_of_the_cases_clears_the_verification(world):
    _verify(world, "S-KILN")
    kiln = Solution.objects.get(ref="S-KILN")
    client = _admin(world)
    form = client.get(f"{SOLUTIONS}{kiln.pk}/change/").context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if k not in ("industries", "regions_served", "case_industries")}
    data.update(
        cases=40, industries=list(kiln.industries.values_list("pk", flat=True)),
        regions_served=list(kiln.regions_served.values_list("pk", flat=True)),
        case_industries=list(Industry.objects.filter(code="ceramics").values_list("pk", flat=True)),
    )  # fmt: skip

    response = client.post(f"{SOLUTIONS}{kiln.pk}/change/", {k: v for k, v in data.items() if v is not False})

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    kiln.refresh_from_db()
    assert kiln.cases == 40 and not kiln.cases_verified
