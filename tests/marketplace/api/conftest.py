"""A two-tenant world for the API: enterprises A and B, providers X and Y, staff, each with a
need, a lead and (for A) a proposal, plus contact details that must stay hidden."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from tests.marketplace.files import VALID_CATALOG_ROWS, VALID_NEED_ROWS, csv_bytes
from tests.matching.conftest import EXTRA_ROWS

B_NEED_ROW = {
    **VALID_NEED_ROWS[0], "need_ref": "N-B", "enterprise_ref": "E-B", "enterprise_name": "青岛乙方纺织有限公司",
    "industry": "textile", "city": "青岛市", "county": "即墨区", "title": "扫码报工",
    "description": "服装厂工人扫码报工，订单进度看板", "budget_max": "80000",
}  # fmt: skip

ROLES = ("anonymous", "enterprise_a", "enterprise_b", "provider_x", "provider_y", "staff")


@dataclass
class World:
    users: dict
    need_a: object
    need_b: object
    lead_x: object
    lead_y: object
    proposal_x: object
    notice_a: object
    # Strings only the named roles (and staff) may ever see in a response.
    secrets: dict

    def client(self, role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(self.users[role])
        return client


@pytest.fixture
def world(reference_data, settings, run_command, write_file, django_capture_on_commit_callbacks) -> World:
    from marketplace.catalog import models
    from marketplace.docking.models import Lead, Notification
    from marketplace.docking.services import workflow
    from marketplace.docking.services.leads import leads_allocate
    from matching import services
    from tests.marketplace.factories import UserFactory

    settings.MATCHING = {**settings.MATCHING, "LEADS_PER_NEED": 1}
    settings.NOTIFY_LEAD_MIN_SCORE = 0.0
    catalog = csv_bytes(VALID_CATALOG_ROWS + EXTRA_ROWS)
    assert run_command("import_catalog", str(write_file("c.csv", catalog))).returncode == 0
    assert run_command("import_needs", str(write_file("n.csv", csv_bytes([VALID_NEED_ROWS[0], B_NEED_ROW])))).returncode == 0
    contacts = {
        "E-1": ("王厂长", "13800000001", "a@example.cn"),
        "E-B": ("李经理", "13800000002", "b@example.cn"),
        "P-HZZ": ("海工程师", "13900000001", "x@example.cn"),
        "P-MES": ("青销售", "13900000002", "y@example.cn"),
    }
    for model in (models.Enterprise, models.Provider):
        for obj in model.objects.filter(ref__in=contacts):
            obj.contact_name, obj.contact_phone, obj.contact_email = contacts[obj.ref]
            obj.save()
    enterprise_a, enterprise_b = models.Enterprise.objects.get(ref="E-1"), models.Enterprise.objects.get(ref="E-B")
    provider_x, provider_y = models.Provider.objects.get(ref="P-HZZ"), models.Provider.objects.get(ref="P-MES")
    users = {
        "enterprise_a": UserFactory(username="ent_a", enterprise=enterprise_a, email="a-user@example.cn"),
        "enterprise_b": UserFactory(username="ent_b", enterprise=enterprise_b),
        "provider_x": UserFactory(username="prov_x", provider=provider_x, email="x-user@example.cn"),
        "provider_y": UserFactory(username="prov_y", provider=provider_y),
        "staff": UserFactory(username="staff", is_staff=True),
    }
    services.index_build()
    with django_capture_on_commit_callbacks(execute=True):
        services.need_matches_refresh()
        leads_allocate()
    need_a, need_b = models.Need.objects.get(ref="N-1"), models.Need.objects.get(ref="N-B")
    lead_x = Lead.objects.get(need=need_a)
    lead_y = Lead.objects.get(need=need_b)
    assert (lead_x.provider, lead_y.provider) == (provider_x, provider_y), "the world needs X on A's need, Y on B's"
    with django_capture_on_commit_callbacks(execute=True):
        proposal_x = workflow.proposal_submit(
            actor=users["provider_x"], need=need_a, solution=models.Solution.objects.get(ref="S-KILN"),
            price_quote=120_000, weeks=6, message="秘密留言-X给A",
        )  # fmt: skip
    notice_a = Notification.objects.get(user=users["enterprise_a"], kind="new_proposal")
    secrets = {
        "N-1": {"enterprise_a", "provider_x"},
        "N-B": {"enterprise_b", "provider_y"},
        # Phones: each side's own only, until an acceptance reveals them to the other side.
        "13800000001": {"enterprise_a"},
        "13800000002": {"enterprise_b"},
        "13900000001": {"provider_x"},
        "13900000002": {"provider_y"},
        "秘密留言-X给A": {"enterprise_a", "provider_x"},
    }
    return World(users, need_a, need_b, lead_x, lead_y, proposal_x, notice_a, secrets)
