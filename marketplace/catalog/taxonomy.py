"""Reference vocabularies from taxonomy.json, written into the database by a data migration
(and by ``manage.py load_taxonomy`` when the file changes), so codes are validated by foreign keys.

The English names of cities and counties are the file's ``regions_en`` (pinyin, written by
``manage.py place_names_en``); a taxonomy without them leaves the Chinese name in their place.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# taxonomy.json key -> model name
CODE_LISTS = {
    "categories": "Category",
    "industries": "Industry",
    "tiers": "Tier",
    "delivery_modes": "DeliveryMode",
    "specialized_levels": "SpecializedLevel",
}

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "taxonomy.json"


def read_taxonomy(path: Path | str = DEFAULT_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def sync_reference_data(get_model: Any, taxonomy: dict[str, Any]) -> None:
    """Upsert every code, city and county of ``taxonomy``.

    ``get_model(name)`` returns a model class, so the same code serves migrations (historical
    models) and the management command (current models).
    """
    for key, model_name in CODE_LISTS.items():
        model = get_model(model_name)
        for position, item in enumerate(taxonomy[key]):
            model.objects.update_or_create(
                code=item["code"],
                defaults={"name_zh": item["zh"], "name_en": item["en"], "position": position},
            )
    City, County = get_model("City"), get_model("County")
    city_names_en = taxonomy.get("regions_en", {}).get("cities", {})
    for position, (city_name, counties) in enumerate(taxonomy["regions"]["cities"].items()):
        city, _ = City.objects.update_or_create(
            name=city_name, defaults={"name_en": city_names_en.get(city_name, city_name), "position": position}
        )
        for county_position, county_name in enumerate(counties):
            County.objects.update_or_create(city=city, name=county_name, defaults={"position": county_position})


def restore_reference_data(sender: Any, apps: Any = None, using: str = "default", **kwargs: Any) -> None:
    """``post_migrate``: load the taxonomy when its tables are empty. A data migration fills them
    once, but ``flush`` (which a transactional test runs after itself) empties them and then sends
    ``post_migrate``, so the reference data comes back as Django's content types do."""
    from django.apps import apps as global_apps
    from django.conf import settings

    apps = apps or global_apps  # flush sends no migration state
    try:
        County = apps.get_model("marketplace", "County")
    except LookupError:  # migrated back before the tables existed
        return
    if County.objects.using(using).exists():
        return
    taxonomy = read_taxonomy(settings.TAXONOMY_PATH)
    get_model = lambda name: apps.get_model("marketplace", name)  # noqa: E731
    sync_reference_data(get_model, taxonomy)
    sync_county_names_en(get_model, taxonomy)


def sync_county_names_en(get_model: Any, taxonomy: dict[str, Any]) -> None:
    """Give every county its English name from ``regions_en`` (its Chinese name if none)."""
    names_en = taxonomy.get("regions_en", {}).get("counties", {})
    for county in get_model("County").objects.all():
        county.name_en = names_en.get(county.city_id, {}).get(county.name, county.name)
        county.save(update_fields=["name_en"])
