import json

import pytest
from django.core.management import call_command

from marketplace.catalog import models
from marketplace.catalog.taxonomy import DEFAULT_PATH

pytestmark = pytest.mark.django_db


def test_migration_loads_every_reference_code():
    assert models.City.objects.count() == 16
    assert models.County.objects.count() == 136
    assert models.Category.objects.count() == 16
    assert models.Industry.objects.count() == 18
    assert list(models.Tier.objects.values_list("code", flat=True)) == ["cross_industry", "specialized", "provincial", "other"]
    assert models.County.objects.filter(name="市中区").count() == 2


def test_load_taxonomy_is_idempotent():
    call_command("load_taxonomy", verbosity=0)

    assert models.County.objects.count() == 136
    assert models.City.objects.get(name="淄博市").name_en == "Zibo"
    assert models.County.objects.get(city="淄博市", name="博山区").name_en == "Boshan District"


def test_every_city_and_county_has_an_english_name():
    assert not models.City.objects.filter(name_en="").exists()
    assert not models.County.objects.filter(name_en="").exists()
    assert models.County.objects.get(city="枣庄市", name="台儿庄区").name_en == "Tai'erzhuang District"
    assert models.County.objects.get(city="菏泽市", name="单县").name_en == "Shan County"  # not "Dan"


def test_the_english_place_names_follow_the_pinyin_rule():
    call_command("place_names_en", "--check", verbosity=0)  # raises when taxonomy.json is stale


def test_bundled_taxonomy_matches_the_shared_reference(repo):
    shared = repo.parent / "shared" / "taxonomy.json"
    if not shared.exists():
        pytest.skip("no ../shared beside this checkout")
    bundled = json.loads(DEFAULT_PATH.read_text("utf-8"))
    assert bundled.pop("regions_en")["cities"]["淄博市"] == "Zibo"  # the English names are ours
    assert bundled == json.loads(shared.read_text("utf-8"))


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_reference_data_in_place():
    # A transactional test flushes every table after itself; the tests after it, on the same
    # worker, still find the taxonomy (post_migrate reloads it, as contenttypes reload theirs).
    call_command("flush", interactive=False, verbosity=0)

    assert models.County.objects.count() == 136 and models.Category.objects.count() == 16
    assert models.County.objects.get(city="淄博市", name="博山区").name_en == "Boshan District"
