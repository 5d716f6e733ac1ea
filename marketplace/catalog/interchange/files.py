"""The two files of the contract, catalog.csv and needs.csv: how their rows map onto the models,
in both directions."""
from __future__ import annotations

from typing import Any

from marketplace.catalog import models, verification
from marketplace.catalog.interchange.columns import ALL, CATALOG_COLUMNS, NEEDS_COLUMNS
from marketplace.catalog.interchange.importer import FileSpec, Outcome, listed, upsert_by_ref


def _catalog_row_check(record: dict[str, Any]) -> list[tuple[str, str]]:
    if record["price_min"] > record["price_max"]:
        return [("price_max", f"must be at least price_min ({record['price_min']}), got {record['price_max']}")]
    if record["cases"] == 0 and record["case_industries"]:
        return [("case_industries", "must be empty when cases is 0")]
    if len(record["case_industries"]) > record["cases"]:
        return [("case_industries", f"lists {len(record['case_industries'])} industries for {record['cases']} cases")]
    return []


CATALOG = FileSpec(
    kind="catalog",
    columns=CATALOG_COLUMNS,
    key="solution_ref",
    parent_key="provider_ref",
    parent_columns=("provider_name", "credit_code", "provider_city", "provider_county", "tier"),
    row_check=_catalog_row_check,
)

NEEDS = FileSpec(
    kind="needs",
    columns=NEEDS_COLUMNS,
    key="need_ref",
    parent_key="enterprise_ref",
    parent_columns=("enterprise_name", "credit_code", "industry", "city", "county", "specialized_level"),
)


# How a row's cells become model fields: a column name, or a function of the whole row.
PROVIDER_FIELDS = {
    "name": "provider_name",
    "credit_code": "credit_code",
    "city_id": "provider_city",
    "county_id": "provider_county",
    "tier_id": "tier",
}
SOLUTION_FIELDS = {
    "title": "title",
    "category_id": "category",
    "all_industries": lambda r: r["industries"] == ALL,
    "description": "description",
    "price_min": "price_min",
    "price_max": "price_max",
    "deployment_weeks": "deployment_weeks",
    "delivery_mode_id": "delivery_mode",
    "all_regions": lambda r: r["regions_served"] == ALL,
    "cases": "cases",
}
ENTERPRISE_FIELDS = {
    "name": "enterprise_name",
    "credit_code": "credit_code",
    "industry_id": "industry",
    "city_id": "city",
    "county_id": "county",
    "specialized_level_id": "specialized_level",
}
NEED_FIELDS = {
    "title": "title",
    "description": "description",
    "budget_max": "budget_max",
    "timeline_weeks": "timeline_weeks",
}


def _fields(record: dict[str, Any], mapping: dict[str, Any]) -> dict[str, Any]:
    return {field: source(record) if callable(source) else record[source] for field, source in mapping.items()}


def _upsert_pair(records: list[dict[str, Any]], spec: FileSpec, parent, parent_fields, child, child_fields, links=None):
    """Upsert the parents (providers, enterprises) of the rows, then the rows' own objects."""
    parents = {r[spec.parent_key]: _fields(r, parent_fields) for r in records}
    parent_outcome, parent_ids = upsert_by_ref(parent, parents)
    parent_id = f"{parent._meta.model_name}_id"
    children = {r[spec.key]: {parent_id: parent_ids[r[spec.parent_key]], **_fields(r, child_fields)} for r in records}
    child_outcome, _ = upsert_by_ref(child, children, links)
    return parent_outcome, child_outcome


def apply_catalog(records: list[dict[str, Any]]) -> dict[str, Outcome]:
    links = {
        "industries": {r["solution_ref"]: listed(r["industries"]) for r in records},
        "regions_served": {r["solution_ref"]: listed(r["regions_served"]) for r in records},
        "case_industries": {r["solution_ref"]: r["case_industries"] for r in records},
    }
    refs = [r["solution_ref"] for r in records]
    claims = verification.verified_claims(models.Solution.objects.filter(ref__in=refs).values_list("pk", flat=True))
    providers, solutions = _upsert_pair(
        records, CATALOG, models.Provider, PROVIDER_FIELDS, models.Solution, SOLUTION_FIELDS, links
    )
    verification.lapse(claims)  # the file has no verification column: a changed claim is unchecked again
    return {"providers": providers, "solutions": solutions}


def apply_needs(records: list[dict[str, Any]]) -> dict[str, Outcome]:
    enterprises, needs = _upsert_pair(records, NEEDS, models.Enterprise, ENTERPRISE_FIELDS, models.Need, NEED_FIELDS)
    return {"enterprises": enterprises, "needs": needs}


def _codes(values: list[str], all_flag: bool) -> str:
    return ALL if all_flag else ";".join(values)


def catalog_rows(solutions: Any) -> list[dict[str, Any]]:
    """Rows of catalog.csv for a Solution queryset, in the contract's canonical form."""
    rows = []
    queryset = solutions.select_related("provider", "provider__county").prefetch_related(
        "industries", "regions_served", "case_industries"
    )
    for s in queryset.order_by("ref"):
        p = s.provider
        rows.append(
            {
                "solution_ref": s.ref,
                "provider_ref": p.ref,
                "provider_name": p.name,
                "credit_code": p.credit_code,
                "provider_city": p.city_id,
                "provider_county": p.county.name if p.county else "",
                "tier": p.tier_id,
                "title": s.title,
                "category": s.category_id,
                "industries": _codes([i.code for i in _by_position(s.industries.all())], s.all_industries),
                "description": s.description,
                "price_min": s.price_min,
                "price_max": s.price_max,
                "deployment_weeks": s.deployment_weeks,
                "delivery_mode": s.delivery_mode_id,
                "regions_served": _codes([c.name for c in _by_position(s.regions_served.all())], s.all_regions),
                "cases": s.cases,
                "case_industries": ";".join(i.code for i in _by_position(s.case_industries.all())),
            }
        )
    return rows


def needs_rows(needs: Any) -> list[dict[str, Any]]:
    rows = []
    for n in needs.select_related("enterprise", "enterprise__county").order_by("ref"):
        e = n.enterprise
        rows.append(
            {
                "need_ref": n.ref,
                "enterprise_ref": e.ref,
                "enterprise_name": e.name,
                "credit_code": e.credit_code,
                "industry": e.industry_id,
                "city": e.city_id,
                "county": e.county.name if e.county else "",
                "specialized_level": e.specialized_level_id,
                "title": n.title,
                "description": n.description,
                "budget_max": n.budget_max,
                "timeline_weeks": n.timeline_weeks,
            }
        )
    return rows


def _by_position(items: Any) -> list[Any]:
    return sorted(items, key=lambda item: item.position)
