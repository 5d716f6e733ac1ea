"""Cell parsers and the column specifications of catalog.csv and needs.csv.

A parser takes the raw cell (str, or int/float/list from XLSX and JSON) and the values already
parsed on the row, and returns a clean value or raises :class:`CellError` with the reason a
spreadsheet user can act on.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marketplace.catalog import limits, models
from marketplace.catalog.credit_codes import credit_code_error

ALL = "*"
LIST_SEPARATORS = (";", "；")


class CellError(Exception):
    pass


@dataclass(frozen=True)
class References:
    """Every code the files may use, read once per import."""

    categories: frozenset[str]
    industries: tuple[str, ...]  # taxonomy order, for canonical lists
    tiers: frozenset[str]
    delivery_modes: frozenset[str]
    specialized_levels: frozenset[str]
    cities: tuple[str, ...]  # taxonomy order
    counties: dict[tuple[str, str], int]  # (city, county name) -> County id

    @classmethod
    def load(cls) -> References:
        return cls(
            categories=frozenset(models.Category.objects.values_list("code", flat=True)),
            industries=tuple(models.Industry.objects.order_by("position").values_list("code", flat=True)),
            tiers=frozenset(models.Tier.objects.values_list("code", flat=True)),
            delivery_modes=frozenset(models.DeliveryMode.objects.values_list("code", flat=True)),
            specialized_levels=frozenset(models.SpecializedLevel.objects.values_list("code", flat=True)),
            cities=tuple(models.City.objects.order_by("position").values_list("name", flat=True)),
            counties={(c.city_id, c.name): c.pk for c in models.County.objects.all()},
        )


Parser = Callable[[Any, dict[str, Any], References], Any]


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    parse: Parser
    default: Any = None


def text_of(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, list):
        return LIST_SEPARATORS[0].join(str(item) for item in raw)
    return str(raw).strip()


def text(max_chars: int, min_chars: int = 1) -> Parser:
    def parse(raw: Any, row: dict[str, Any], refs: References) -> str:
        value = text_of(raw)
        if len(value) > max_chars:
            raise CellError(f"is {len(value)} characters long; at most {max_chars} are allowed")
        if len(value) < min_chars:
            raise CellError("must not be empty")
        return value

    return parse


def integer(minimum: int, maximum: int | None = None) -> Parser:
    def parse(raw: Any, row: dict[str, Any], refs: References) -> int:
        if isinstance(raw, bool):
            raise CellError(f"must be a whole number, got {raw!r}")
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        value_text = text_of(raw)
        try:
            value = int(value_text)
        except ValueError:
            raise CellError(f'must be a whole number, got "{value_text}"') from None
        if value < minimum:
            raise CellError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise CellError(f"must be at most {maximum}, got {value}")
        return value

    return parse


def code(attribute: str) -> Parser:
    def parse(raw: Any, row: dict[str, Any], refs: References) -> str:
        value = text_of(raw)
        allowed = getattr(refs, attribute)
        if value not in allowed:
            raise CellError(f'unknown code "{value}"; expected one of {", ".join(sorted(allowed))}')
        return value

    return parse


def code_list(attribute: str, allow_all: bool, allow_empty: bool) -> Parser:
    """A `;`-separated list of codes in taxonomy order, or ``*`` (returned as ``ALL``)."""

    def parse(raw: Any, row: dict[str, Any], refs: References) -> str | tuple[str, ...]:
        items = _split(raw)
        allowed: tuple[str, ...] = getattr(refs, attribute)
        if items == [ALL] and allow_all:
            return ALL
        if ALL in items:
            raise CellError('"*" must stand alone' if allow_all else '"*" is not allowed here')
        if not items and not allow_empty:
            raise CellError("must list at least one code" + (' or "*"' if allow_all else ""))
        unknown = [item for item in items if item not in allowed]
        if unknown:
            raise CellError(f'unknown code{"s" if len(unknown) > 1 else ""} {", ".join(unknown)}')
        return tuple(code for code in allowed if code in items)

    return parse


def city(raw: Any, row: dict[str, Any], refs: References) -> str:
    value = text_of(raw)
    for candidate in (value, value + "市"):
        if candidate in refs.cities:
            return candidate
    raise CellError(f'"{value}" is not a city of Shandong province')


def county_of(city_column: str) -> Parser:
    def parse(raw: Any, row: dict[str, Any], refs: References) -> int | None:
        value = text_of(raw)
        if not value:
            return None
        city_name = row.get(city_column)
        if city_name is None:
            raise CellError(f"cannot be checked because {city_column} is invalid")
        county_id = refs.counties.get((city_name, value))
        if county_id is None:
            raise CellError(f'"{value}" is not a county of {city_name}')
        return county_id

    return parse


def city_list(raw: Any, row: dict[str, Any], refs: References) -> str | tuple[str, ...]:
    items = _split(raw)
    if items == [ALL]:
        return ALL
    if ALL in items:
        raise CellError('"*" must stand alone')
    if not items:
        raise CellError('must list at least one city or "*"')
    names = []
    for item in items:
        names.append(city(item, row, refs))
    return tuple(name for name in refs.cities if name in names)


def credit_code(raw: Any, row: dict[str, Any], refs: References) -> str:
    value = text_of(raw).upper()
    if value and (error := credit_code_error(value)):
        raise CellError(error)
    return value


def _split(raw: Any) -> list[str]:
    if isinstance(raw, list):
        parts = [text_of(item) for item in raw]
    else:
        value = text_of(raw)
        for separator in LIST_SEPARATORS[1:]:
            value = value.replace(separator, LIST_SEPARATORS[0])
        parts = [part.strip() for part in value.split(LIST_SEPARATORS[0])]
    return [part for part in parts if part]


def optional(parser: Parser, default: Any) -> Parser:
    """An optional column: an empty cell gives ``default``."""

    def parse(raw: Any, row: dict[str, Any], refs: References) -> Any:
        return default if text_of(raw) == "" else parser(raw, row, refs)

    return parse


REF = text(64)
NAME = text(200)
DESCRIPTION = text(models.DESCRIPTION_MAX_CHARS)

CATALOG_COLUMNS = (
    Column("solution_ref", True, REF),
    Column("provider_ref", True, REF),
    Column("provider_name", True, NAME),
    Column("credit_code", False, credit_code, ""),
    Column("provider_city", True, city),
    Column("provider_county", False, county_of("provider_city")),
    Column("tier", True, code("tiers")),
    Column("title", True, NAME),
    Column("category", True, code("categories")),
    Column("industries", True, code_list("industries", allow_all=True, allow_empty=False)),
    Column("description", True, DESCRIPTION),
    Column("price_min", True, integer(0, limits.MONEY_MAX)),
    Column("price_max", True, integer(0, limits.MONEY_MAX)),
    Column("deployment_weeks", True, integer(0, models.DEPLOYMENT_WEEKS_MAX)),
    Column("delivery_mode", True, code("delivery_modes")),
    Column("regions_served", True, city_list),
    Column("cases", False, optional(integer(0, limits.CASES_MAX), 0), 0),
    Column("case_industries", False, code_list("industries", allow_all=False, allow_empty=True), ()),
)

NEEDS_COLUMNS = (
    Column("need_ref", True, REF),
    Column("enterprise_ref", True, REF),
    Column("enterprise_name", True, NAME),
    Column("credit_code", False, credit_code, ""),
    Column("industry", True, code("industries")),
    Column("city", True, city),
    Column("county", False, county_of("city")),
    Column("specialized_level", False, optional(code("specialized_levels"), "none"), "none"),
    Column("title", True, NAME),
    Column("description", True, DESCRIPTION),
    Column("budget_max", True, integer(1, limits.MONEY_MAX)),
    Column("timeline_weeks", False, optional(integer(1, models.DEPLOYMENT_WEEKS_MAX), None), None),
)
