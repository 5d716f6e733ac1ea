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


def test_bundled_taxonomy_matches_the_shared_reference(repo):
    shared = repo.parent / "shared" / "taxonomy.json"
    if not shared.exists():
        pytest.skip("no ../shared beside this checkout")
    assert json.loads(DEFAULT_PATH.read_text("utf-8")) == json.loads(shared.read_text("utf-8"))
