"""Catalog browse API: public reads with filters, search, pages, names next to codes."""
import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["ref"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["S-ENERGY", "S-KILN"]),  # cheapest first
        ("?category=energy", ["S-ENERGY"]),
        ("?industry=ceramics", ["S-ENERGY", "S-KILN"]),  # S-ENERGY serves every industry
        ("?industry=textile", ["S-ENERGY"]),
        ("?city=滨州市", ["S-ENERGY", "S-KILN"]),
        ("?city=青岛市", ["S-ENERGY"]),
        ("?county=张店区", ["S-KILN"]),
        ("?tier=provincial", ["S-KILN"]),
        ("?price_max=50000", ["S-ENERGY"]),
        ("?deployment_weeks_max=5", ["S-ENERGY"]),
        ("?delivery_mode=hybrid", ["S-KILN"]),
        ("?q=窑炉", ["S-KILN"]),
        ("?q=德佑 能源", ["S-ENERGY"]),
        ("?provider=P-HZZ", ["S-KILN"]),
    ],
)
def test_solutions_filter(client, seeded_catalog, query, expected):
    assert refs(client.get("/api/solutions/" + query)) == expected


def test_solution_carries_names_next_to_codes(client, seeded_catalog):
    body = client.get("/api/solutions/S-KILN/").json()

    assert body["category"] == {"code": "digital_twin", "name_zh": "数字孪生与工业大脑", "name_en": "Digital twin and industrial brain"}
    assert [i["code"] for i in body["industries"]] == ["ceramics", "refractory"]
    assert body["provider"]["city"] == {"name": "淄博市", "name_en": "Zibo"}
    assert body["provider"]["county"] == "张店区" and body["provider"]["county_en"] == "Zhangdian District"
    assert [c["name"] for c in body["regions_served"]] == ["淄博市", "滨州市"]


def test_bad_filter_values_are_field_errors(client, seeded_catalog):
    response = client.get("/api/solutions/?category=blockchain&price_max=lots")

    assert response.status_code == 400
    assert set(response.json()) == {"category", "price_max"}


def test_inactive_and_unknown_solutions_are_not_found(client, seeded_catalog):
    from marketplace.catalog.models import Solution

    Solution.objects.filter(ref="S-KILN").update(is_active=False)

    assert client.get("/api/solutions/S-KILN/").status_code == 404
    assert refs(client.get("/api/solutions/")) == ["S-ENERGY"]


def test_providers(client, seeded_catalog):
    assert refs(client.get("/api/providers/?tier=other")) == ["P-DY"]
    assert refs(client.get("/api/providers/?category=digital_twin")) == ["P-HZZ"]
    assert client.get("/api/providers/P-HZZ/").json()["solution_count"] == 1


def test_pages_over_the_fixture_catalog(client, run_command, repo):
    run_command("import_catalog", str(repo / "fixtures" / "catalog.csv"))

    body = client.get("/api/solutions/?industry=ceramics&city=淄博市&price_max=200000&page=2").json()

    assert body["count"] > 20 and len(body["results"]) == 20
    assert all(item["price_min"] <= 200000 for item in body["results"])


def test_openapi_schema_validates_and_docs_need_no_cdn(client, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert client.get("/api/schema/").status_code == 200

    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "//unpkg" not in page
