"""``manage.py place_names_en``: write the English names of Shandong's cities and counties into
taxonomy.json (``regions_en``), from their pinyin.

The rule: the name without its administrative suffix in Hanyu Pinyin without tones, syllables
joined, capitalised, with an apostrophe before a syllable that starts with a, o or e
(泰安市 -> Tai'an, 东阿县 -> Dong'e County). Cities drop 市 (淄博市 -> Zibo); counties keep their
kind in English: 区 District, 县 County, 市 City (博山区 -> Boshan District, 邹平市 -> Zouping
City). ``READINGS`` fixes the place names whose characters pypinyin reads otherwise.
Run it after editing the regions of taxonomy.json; ``--check`` only says whether the file is
up to date (tests run it).
"""
from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from pypinyin import Style, lazy_pinyin

# Place names read differently from the characters' common reading.
READINGS = {"长清": ["chang", "qing"], "单": ["shan"]}
COUNTY_KINDS = {"区": "District", "县": "County", "市": "City"}
PROVINCE_EN = "Shandong"
KEY = "regions_en"


def romanise(stem: str) -> str:
    """淄博 -> Zibo, 台儿庄 -> Tai'erzhuang."""
    syllables = READINGS.get(stem) or lazy_pinyin(stem, style=Style.NORMAL, errors="exception")
    text = syllables[0]
    for syllable in syllables[1:]:
        text += ("'" if syllable[0] in "aoe" else "") + syllable
    return text.capitalize()


def city_name_en(name: str) -> str:
    return romanise(name.removesuffix("市"))


def county_name_en(name: str) -> str:
    stem, kind = name[:-1], name[-1]
    if kind not in COUNTY_KINDS:
        raise ValueError(f"county {name}: expected a name ending in 区, 县 or 市")
    return f"{romanise(stem)} {COUNTY_KINDS[kind]}"


def regions_en(regions: dict) -> dict:
    cities = regions["cities"]
    return {
        "province": PROVINCE_EN,
        "cities": {city: city_name_en(city) for city in cities},
        "counties": {city: {county: county_name_en(county) for county in counties} for city, counties in cities.items()},
    }


def _block(names: dict) -> str:
    """The ``regions_en`` entry in the file's hand-kept layout (one line per city)."""
    dump = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731
    counties = ",\n".join(f"      {dump(city)}: {dump(row)}" for city, row in names["counties"].items())
    return (
        f'  "{KEY}": {{\n'
        f'    "province": {dump(names["province"])},\n'
        f'    "cities": {dump(names["cities"])},\n'
        f'    "counties": {{\n{counties}\n    }}\n'
        "  }"
    )


def with_names(text: str) -> str:
    """The taxonomy file's text with its ``regions_en`` entry (re)written."""
    names = regions_en(json.loads(text)["regions"])
    marker = f',\n  "{KEY}": '
    body = text[: text.index(marker)] if marker in text else text.rstrip().removesuffix("}").rstrip()
    return f"{body},\n{_block(names)}\n}}\n"


class Command(BaseCommand):
    help = "Write the English (pinyin) names of cities and counties into taxonomy.json."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(settings.TAXONOMY_PATH))
        parser.add_argument("--check", action="store_true", help="fail if the file is not up to date; write nothing")

    def handle(self, *args, path: str, check: bool, **options):
        file = Path(path)
        text = file.read_text(encoding="utf-8")
        updated = with_names(text)
        if check:
            if updated != text:
                raise CommandError(f"{path}: English place names are missing or stale; run manage.py place_names_en")
            self.stdout.write(f"{path}: English place names are up to date")
            return
        file.write_text(updated, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"English place names written to {path}"))
