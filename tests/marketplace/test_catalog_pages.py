"""The catalog pages read through the selectors: search, filters (money in RMB or 万元), pages."""
import pytest

from marketplace.catalog import forms
from marketplace.catalog.forms import parse_price

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "rmb"),
    [("200000", 200_000), ("200,000", 200_000), ("¥200000元", 200_000), ("20万", 200_000), ("20 万元", 200_000),
     ("20.5万", 205_000), ("20w", 200_000), ("", None), ("  ", None)],
)  # fmt: skip
def test_prices_in_rmb_or_wan(typed, rmb):
    assert parse_price(typed) == rmb


@pytest.mark.parametrize("typed", ["abc", "20万万", "-5", "1e5", "二十万"])
def test_unreadable_prices(typed):
    with pytest.raises(ValueError):
        parse_price(typed)


def titles(response) -> list[str]:
    assert response.status_code == 200
    return [solution.title for solution in response.context["page_obj"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["德佑云智慧能源服务", "窑炉智慧大脑"]),
        ("?q=窑炉", ["窑炉智慧大脑"]),
        ("?price_max=5万", ["德佑云智慧能源服务"]),
        ("?price_max=80000", ["德佑云智慧能源服务", "窑炉智慧大脑"]),
        ("?city=青岛市", ["德佑云智慧能源服务"]),
        ("?city=淄博市&county=张店区", ["窑炉智慧大脑"]),
        ("?deployment_weeks_max=5", ["德佑云智慧能源服务"]),
        ("?category=digital_twin&tier=provincial&delivery_mode=hybrid&industry=ceramics", ["窑炉智慧大脑"]),
        ("?county=不存在", []),
    ],
)
def test_solution_list_filters(client, seeded_catalog, query, expected):
    assert titles(client.get("/solutions/" + query)) == expected


def test_invalid_filters_show_messages_not_errors(client, seeded_catalog):
    response = client.get("/solutions/?price_max=abc&deployment_weeks_max=x&category=blockchain&page=999")
    body = response.content.decode()

    assert response.status_code == 200
    assert str(forms.FILTER_INVALID) in body
    assert str(forms.PRICE_INVALID) in body
    assert str(forms.WEEKS_INVALID) in body
    errors = response.context["form"].errors
    assert errors["price_max"] == [str(forms.PRICE_INVALID)]
    assert errors["deployment_weeks_max"] == [str(forms.WEEKS_INVALID)]
    assert list(errors) == ["price_max", "deployment_weeks_max", "category"]
    assert '<a href="#id_category">类别</a>：' in body
    assert titles(response) == []


def test_a_page_past_the_end_shows_the_last_page(client, seeded_catalog):
    assert titles(client.get("/solutions/?page=999")) == ["德佑云智慧能源服务", "窑炉智慧大脑"]


def test_solution_page(client, seeded_catalog):
    body = client.get("/solutions/S-KILN/").content.decode()

    for text in ("窑炉智慧大脑", "淄博海智造科技有限公司", "8–18万元", "6 周", "12 家", "陶瓷", "耐火材料", "滨州市"):
        assert text in body
    assert client.get("/solutions/S-NOPE/").status_code == 404


def test_provider_pages(client, seeded_catalog):
    assert [p.name for p in client.get("/providers/?q=海智造").context["page_obj"]] == ["淄博海智造科技有限公司"]
    response = client.get("/providers/P-HZZ/")
    assert [s.title for s in response.context["solutions"]] == ["窑炉智慧大脑"]


def test_home_counts_categories_and_figures(client, seeded_catalog):
    response = client.get("/")
    counts = {category.code: category.solution_count for category in response.context["categories"]}

    assert len(counts) == 16
    assert counts["energy"] == 1 and counts["digital_twin"] == 1 and counts["mes"] == 0
    assert response.context["figures"] == {"providers": 2, "solutions": 2, "counties": 2}


def test_english_pages(client, seeded_catalog):
    client.cookies["django_language"] = "en"
    body = client.get("/solutions/S-KILN/").content.decode()

    assert "RMB 80,000–180,000" in body and "6 weeks" in body and "Regions served" in body


@pytest.mark.parametrize(
    ("language", "low", "high", "shown"),
    [
        ("zh-hans", 80_000, 180_000, "8–18万元"),
        ("zh-hans", 0, 8_000, "0–8000元"),
        ("zh-hans", 0, 15_000, "0–1.5万元"),
        ("zh-hans", 50_000, 50_000, "5万元"),
        ("en", 80_000, 180_000, "RMB 80,000–180,000"),
        ("en", 5_000, 5_000, "RMB 5,000"),
    ],
)
def test_price_ranges_read_naturally(language, low, high, shown):
    from django.utils import translation

    from marketplace.catalog.templatetags.marketplace_ui import price_range

    with translation.override(language):
        assert price_range(low, high) == shown
