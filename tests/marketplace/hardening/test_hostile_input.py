"""Finding 4: NUL and control characters, and JSON nested too deep, never answer 500.

On PostgreSQL a NUL in a query reaching the database raised ``DataError`` (a 500); the deep JSON
body raised ``RecursionError`` on every database. Both are refused at the edge now.
"""
from __future__ import annotations

import json

import pytest
from django.test import Client

from marketplace.catalog.input_guard import CONTROL_CHARACTER, JSON_DEPTH_MAX, JSON_TOO_DEEP
from tests.marketplace.files import VALID_CATALOG_ROWS, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/solutions/", "/providers/", "/api/solutions/", "/api/providers/"])
def test_a_nul_in_a_query_string_is_a_400_with_the_message(seeded_catalog, path):
    response = Client().get(path, {"city": "a\x00b", "q": "窑炉"})

    assert response.status_code == 400
    assert str(CONTROL_CHARACTER) in response.content.decode()


def test_a_nul_in_a_lead_filter_is_a_400(world):
    client = Client()
    client.force_login(world.users["provider_x"])

    assert client.get("/workspace/leads/", {"city": "a\x00b"}).status_code == 400
    assert client.get("/api/leads/", {"county": "a\x01b"}).status_code == 400
    assert client.get("/workspace/leads/", {"county": "第一行\r\n第二行\t"}).status_code == 200


@pytest.mark.parametrize("path", [
    "/solutions/a%00b/", "/providers/a%00b/", "/workspace/needs/a%00b/", "/api/solutions/a%00b/",
    "/api/providers/a%00b/", "/api/needs/a%00b/", "/api/needs/a%00b/matches/", "/api/needs/a%00b/compare/",
])  # fmt: skip
def test_a_ref_with_a_nul_in_a_path_names_nothing(world, path):
    client = Client()
    client.force_login(world.users["enterprise_a"])

    assert client.get(path).status_code == 404


@pytest.mark.parametrize(("role", "path", "body"), [
    ("provider_x", "/api/solutions/", {
        "title": "扫码\x00报工", "category": "mes", "description": "工人扫码报工。", "price_min": 10000,
        "price_max": 20000, "deployment_weeks": 2, "delivery_mode": "saas", "all_industries": True,
        "all_regions": True}),
    ("provider_y", "/api/proposals/", {"need": "N-B", "solution": "S-MES", "price_quote": 60000, "weeks": 3,
                                       "message": "可以\x00做"}),
    ("staff", "/api/match-labels/", {"need": "N-1", "solution": "S-KILN", "grade": 2, "note": "\x00"}),
    ("staff", "/api/match-labels/", {"need": "N-1\x00", "solution": "S-KILN", "grade": 2}),
])  # fmt: skip
def test_a_nul_in_a_json_body_is_a_400(world, role, path, body):
    response = world.client(role).post(path, json.dumps(body), content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json() == {"detail": str(CONTROL_CHARACTER)}


def test_json_nested_100000_deep_is_a_400_not_a_recursion_error(db):
    body = "[" * 100_000 + "]" * 100_000

    response = Client().post("/api/auth/token/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": str(JSON_TOO_DEEP % {"depth": JSON_DEPTH_MAX})}


def test_json_of_ordinary_depth_with_escaped_text_passes(world):
    body = {"need": "N-1", "solution": "S-KILN", "grade": 1, "note": "换行\n\t制表 \\u0000 as text"}

    response = world.client("staff").post("/api/match-labels/", json.dumps(body), content_type="application/json")

    assert response.status_code == 201, response.content


def test_a_nul_in_an_imported_cell_is_a_row_error(rejects):
    rows = [{**VALID_CATALOG_ROWS[0], "title": "窑炉\x00大脑"}]

    errors = rejects(csv_bytes(rows))

    assert errors == ["row 2, column title: contains the control character U+0000; remove it"]


def test_a_nul_in_a_web_form_post_is_a_400(world):
    client = Client()
    client.force_login(world.users["enterprise_a"])

    response = client.post("/workspace/needs/new/", {"title": "a\x00b", "description": "x", "budget_max": "1"})

    assert response.status_code == 400
    assert str(CONTROL_CHARACTER) in response.content.decode()
