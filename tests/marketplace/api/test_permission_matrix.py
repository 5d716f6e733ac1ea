"""Every endpoint x every role: the status, and that no other tenant's data leaks into the body.

Another tenant's object answers 404 (it does not exist for you); a wrong role answers 403;
anonymous users get 401 or 403 wherever a login is needed.
"""
from __future__ import annotations

import pytest

from tests.marketplace.api.conftest import ROLES

pytestmark = pytest.mark.django_db

DENIED = (401, 403)


def _expect(**by_role):
    """Expected status per role; ``rest`` covers the roles not named."""
    rest = by_role.pop("rest", None)
    return {role: by_role.get(role, rest) for role in ROLES}


PUBLIC = _expect(rest=200)
OWN_ENTERPRISE = _expect(anonymous=DENIED, enterprise_a=200, enterprise_b=404, provider_x=403, provider_y=403, staff=200)
ANY_USER = _expect(anonymous=DENIED, rest=200)
STAFF_ONLY = _expect(anonymous=DENIED, staff=200, rest=403)

# (name, method, path template, body, expected statuses by role, roles that may see contacts after)
CASES = [
    ("solutions", "get", "/api/solutions/", None, PUBLIC),
    ("solution", "get", "/api/solutions/S-KILN/", None, PUBLIC),
    ("solution create", "post", "/api/solutions/", {
        "title": "扫码报工小程序", "category": "mes", "description": "工人扫码报工，订单进度看板。", "price_min": 10000,
        "price_max": 20000, "deployment_weeks": 2, "delivery_mode": "saas", "all_industries": True, "all_regions": True,
     }, _expect(anonymous=DENIED, provider_x=201, provider_y=201, rest=403)),
    ("solution edit", "patch", "/api/solutions/S-KILN/", {"price_max": 190000},
     _expect(anonymous=DENIED, provider_x=200, staff=200, rest=403)),
    ("providers", "get", "/api/providers/", None, PUBLIC),
    ("provider", "get", "/api/providers/P-HZZ/", None, PUBLIC),
    ("provider edit", "patch", "/api/providers/P-HZZ/", {"lead_capacity": 5},
     _expect(anonymous=DENIED, provider_x=200, staff=200, rest=403)),
    ("needs", "get", "/api/needs/", None,
     _expect(anonymous=DENIED, enterprise_a=200, enterprise_b=200, provider_x=403, provider_y=403, staff=200)),
    ("need create", "post", "/api/needs/", {"title": "新需求", "description": "设备联网", "budget_max": 50000},
     _expect(anonymous=DENIED, enterprise_a=201, enterprise_b=201, rest=403)),
    ("need", "get", "/api/needs/{need_a}/", None, OWN_ENTERPRISE),
    ("need edit", "patch", "/api/needs/{need_a}/", {"budget_max": 160000}, OWN_ENTERPRISE),
    ("need close", "post", "/api/needs/{need_a}/close/", {"outcome": "not_contracted"}, OWN_ENTERPRISE),
    ("need matches", "get", "/api/needs/{need_a}/matches/", None, OWN_ENTERPRISE),
    ("need plan", "get", "/api/needs/{need_a}/plan/", None, OWN_ENTERPRISE),
    ("need compare", "get", "/api/needs/{need_a}/compare/?solutions=S-KILN,S-ENERGY", None, OWN_ENTERPRISE),
    ("leads", "get", "/api/leads/", None,
     _expect(anonymous=DENIED, enterprise_a=403, enterprise_b=403, provider_x=200, provider_y=200, staff=200)),
    ("lead", "get", "/api/leads/{lead_x}/", None,
     _expect(anonymous=DENIED, enterprise_a=403, enterprise_b=403, provider_x=200, provider_y=404, staff=200)),
    ("proposals", "get", "/api/proposals/", None, ANY_USER),
    ("proposal create", "post", "/api/proposals/",
     {"need": "{need_b}", "solution": "S-MES", "price_quote": 60000, "weeks": 3, "message": "可以做"},
     _expect(anonymous=DENIED, provider_y=201, rest=403)),  # X: not its lead -> 403 too
    ("proposal", "get", "/api/proposals/{proposal_x}/", None,
     _expect(anonymous=DENIED, enterprise_a=200, enterprise_b=404, provider_x=200, provider_y=404, staff=200)),
    ("proposal accept", "post", "/api/proposals/{proposal_x}/accept/", {},
     _expect(anonymous=DENIED, enterprise_a=200, enterprise_b=404, provider_x=403, provider_y=404, staff=200)),
    ("proposal decline", "post", "/api/proposals/{proposal_x}/decline/", {},
     _expect(anonymous=DENIED, enterprise_a=200, enterprise_b=404, provider_x=403, provider_y=404, staff=200)),
    ("proposal withdraw", "post", "/api/proposals/{proposal_x}/withdraw/", {},
     _expect(anonymous=DENIED, enterprise_a=403, enterprise_b=404, provider_x=200, provider_y=404, staff=403)),
    ("notifications", "get", "/api/notifications/", None, ANY_USER),
    ("notification read", "post", "/api/notifications/{notice_a}/read/", {},
     _expect(anonymous=DENIED, enterprise_a=200, rest=404)),
    ("notifications read all", "post", "/api/notifications/read-all/", {}, ANY_USER),
    ("match labels", "get", "/api/match-labels/", None, STAFF_ONLY),
    ("match label create", "post", "/api/match-labels/", {"need": "{need_a}", "solution": "S-KILN", "grade": 2},
     _expect(anonymous=DENIED, staff=201, rest=403)),
    ("metrics", "get", "/api/metrics/", None, STAFF_ONLY),
]  # fmt: skip

# After an acceptance, its two sides see each other's phones: that is the point of accepting.
REVEALED_BY_ACCEPT = {"13800000001": {"provider_x"}, "13900000001": {"enterprise_a"}}


def _fill(template, world):
    names = {
        "need_a": world.need_a.ref, "need_b": world.need_b.ref, "lead_x": world.lead_x.pk,
        "proposal_x": world.proposal_x.pk, "notice_a": world.notice_a.pk,
    }  # fmt: skip
    if isinstance(template, str):
        return template.format(**names)
    if isinstance(template, dict):
        return {key: _fill(value, world) for key, value in template.items()}
    return template


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_permission_matrix(world, role, name, method, path, body, expected):
    client = world.client(role)
    response = getattr(client, method)(_fill(path, world), _fill(body, world), format="json")

    wanted = expected[role]
    assert response.status_code in (wanted if isinstance(wanted, tuple) else (wanted,)), response.content
    text = response.content.decode()
    allowed = {secret: set(roles) for secret, roles in world.secrets.items()}
    if name == "proposal accept" and response.status_code == 200:
        for secret, roles in REVEALED_BY_ACCEPT.items():
            allowed[secret] |= roles
    if role != "staff":
        leaked = [secret for secret, roles in allowed.items() if role not in roles and secret in text]
        assert not leaked, f"{role} sees {leaked} in {name}"


def test_matrix_covers_every_api_route():
    """A new endpoint must join the matrix."""
    from marketplace.docking.urls import api as urls_api

    routes = {str(pattern.pattern) for pattern in urls_api.urlpatterns} - {"auth/token/"}
    covered = {path.removeprefix("/api/").split("?")[0] for _n, _m, path, _b, _e in CASES}
    normalise = {"<str:ref>": "{}", "<int:pk>": "{}"}

    def shape(route: str) -> str:
        for placeholder, mark in normalise.items():
            route = route.replace(placeholder, mark)
        return route

    concrete = {shape(route) for route in routes}
    seen = {c.replace("S-KILN", "{}").replace("P-HZZ", "{}") for c in covered}
    seen = {s.replace("{need_a}", "{}").replace("{lead_x}", "{}").replace("{proposal_x}", "{}").replace("{notice_a}", "{}") for s in seen}
    assert concrete <= seen, sorted(concrete - seen)
    assert len(concrete) >= 20  # the shapes really came from the URL conf
