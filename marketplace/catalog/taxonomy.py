"""Reference vocabularies from taxonomy.json, written into the database by a data migration
(and by ``manage.py load_taxonomy`` when the file changes), so codes are validated by foreign keys.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CITY_NAMES_EN = {
    "济南市": "Jinan", "青岛市": "Qingdao", "淄博市": "Zibo", "枣庄市": "Zaozhuang",
    "东营市": "Dongying", "烟台市": "Yantai", "潍坊市": "Weifang", "济宁市": "Jining",
    "泰安市": "Tai'an", "威海市": "Weihai", "日照市": "Rizhao", "临沂市": "Linyi",
    "德州市": "Dezhou", "聊城市": "Liaocheng", "滨州市": "Binzhou", "菏泽市": "Heze",
}  # fmt: skip

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
    for position, (city_name, counties) in enumerate(taxonomy["regions"]["cities"].items()):
        city, _ = City.objects.update_or_create(
            name=city_name, defaults={"name_en": CITY_NAMES_EN.get(city_name, city_name), "position": position}
        )
        for county_position, county_name in enumerate(counties):
            County.objects.update_or_create(city=city, name=county_name, defaults={"position": county_position})
