"""The admin lists, searches and filters both sides of the market and imports/exports files."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.catalog import models
from tests.marketplace.factories import UserFactory
from tests.marketplace.files import catalog_rows, csv_bytes, snapshot

SOLUTIONS = "/admin/marketplace/solution/"


@pytest.fixture
def staff_client(client, seeded_catalog):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def refs_listed(response) -> list[str]:
    return [obj.ref for obj in response.context["cl"].result_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["S-ENERGY", "S-KILN"]),
        ("?q=窑炉", ["S-KILN"]),
        ("?q=德佑", ["S-ENERGY"]),
        ("?category__code__exact=energy", ["S-ENERGY"]),
        ("?industries__code__exact=ceramics", ["S-KILN"]),
        ("?provider__tier__code__exact=provincial", ["S-KILN"]),
        ("?provider__city__name__exact=淄博市", ["S-ENERGY", "S-KILN"]),
        ("?price=lt50k", ["S-ENERGY"]),
        ("?price=50k-200k", ["S-KILN"]),
        ("?price=gte1m", []),
    ],
)
def test_solution_changelist_searches_and_filters(staff_client, query, expected):
    response = staff_client.get(SOLUTIONS + query)

    assert response.status_code == 200
    assert sorted(refs_listed(response)) == expected


def test_filter_by_county(staff_client):
    county = models.County.objects.get(city_id="淄博市", name="张店区")

    response = staff_client.get(f"{SOLUTIONS}?provider__county__id__exact={county.pk}")

    assert refs_listed(response) == ["S-KILN"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/admin/marketplace/provider/?tier__code__exact=other", ["P-DY"]),
        ("/admin/marketplace/provider/?q=海智造", ["P-HZZ"]),
        ("/admin/marketplace/enterprise/?industry__code__exact=ceramics", ["E-1"]),
        ("/admin/marketplace/need/?budget=50k-200k", ["N-1"]),
        ("/admin/marketplace/need/?budget=gte1m", []),
        ("/admin/marketplace/need/?q=老师傅", ["N-1"]),
    ],
)
def test_other_changelists(staff_client, url, expected):
    response = staff_client.get(url)

    assert response.status_code == 200
    assert refs_listed(response) == expected


def test_changelist_shows_chinese_names(staff_client):
    response = staff_client.get(SOLUTIONS)

    assert "数字孪生与工业大脑" in response.content.decode()
    assert "导入文件" in response.content.decode()


def test_admin_import_reports_every_error_and_writes_nothing(staff_client, seeded_catalog):
    upload = SimpleUploadedFile("bad.csv", csv_bytes(catalog_rows(price_min="-1", tier="gold")))

    response = staff_client.post(SOLUTIONS + "import/", {"file": upload})

    page = response.content.decode()
    assert response.status_code == 200
    assert "row 2, column tier: unknown code &quot;gold&quot;" in page
    assert "row 2, column price_min: must be at least 0, got -1" in page
    assert snapshot() == seeded_catalog


def test_admin_import_of_a_good_file(staff_client):
    upload = SimpleUploadedFile("good.csv", csv_bytes(catalog_rows(solution_ref="S-NEW")))

    response = staff_client.post(SOLUTIONS + "import/", {"file": upload}, follow=True)

    assert response.status_code == 200
    assert models.Solution.objects.filter(ref="S-NEW").exists()
    assert "solutions: 1 created, 0 updated, 1 unchanged" in response.content.decode()


def test_admin_export_downloads_the_catalog(staff_client):
    response = staff_client.get(SOLUTIONS + "export/?format=csv")

    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert body.splitlines()[0].startswith("solution_ref,provider_ref,provider_name")
    assert "S-KILN" in body and "S-ENERGY" in body


def test_non_staff_cannot_reach_the_import_view(client, seeded_catalog):
    client.force_login(UserFactory())

    response = client.get(SOLUTIONS + "import/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
