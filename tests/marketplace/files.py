"""Small catalog and needs files built cell by cell, and a database snapshot that shows whether
an import wrote anything."""
from __future__ import annotations

import csv
import io

from typing import Any

# Models are imported lazily: the engine tests import these rows without Django set up.

VALID_CATALOG_ROWS = [
    {
        "solution_ref": "S-KILN", "provider_ref": "P-HZZ", "provider_name": "淄博海智造科技有限公司",
        "credit_code": "91350100M000100Y43", "provider_city": "淄博市", "provider_county": "张店区",
        "tier": "provincial", "title": "窑炉智慧大脑", "category": "digital_twin",
        "industries": "ceramics;refractory", "description": "窑炉温度智能控制，天然气单耗下降。",
        "price_min": "80000", "price_max": "180000", "deployment_weeks": "6", "delivery_mode": "hybrid",
        "regions_served": "淄博市;滨州市", "cases": "12", "case_industries": "ceramics;refractory",
    },
    {
        "solution_ref": "S-ENERGY", "provider_ref": "P-DY", "provider_name": "德佑电气股份有限公司",
        "credit_code": "", "provider_city": "淄博市", "provider_county": "",
        "tier": "other", "title": "德佑云智慧能源服务", "category": "energy",
        "industries": "*", "description": "Smart energy service cloud for textile and chemical plants.",
        "price_min": "30000", "price_max": "90000", "deployment_weeks": "4", "delivery_mode": "saas",
        "regions_served": "*", "cases": "100", "case_industries": "chemical;textile",
    },
]  # fmt: skip

VALID_NEED_ROWS = [
    {
        "need_ref": "N-1", "enterprise_ref": "E-1", "enterprise_name": "淄博博山示例陶瓷有限公司",
        "credit_code": "", "industry": "ceramics", "city": "淄博市", "county": "博山区",
        "specialized_level": "none", "title": "窑炉节能", "description": "窑炉温度全靠老师傅看火",
        "budget_max": "150000", "timeline_weeks": "8",
    },
]  # fmt: skip


def csv_bytes(rows: list[dict], headers: list[str] | None = None) -> bytes:
    headers = headers or list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def catalog_rows(**overrides: str) -> list[dict]:
    """The valid catalog with the first row's cells replaced by ``overrides``."""
    rows = [dict(row) for row in VALID_CATALOG_ROWS]
    rows[0].update(overrides)
    return rows


def snapshot() -> dict:
    """Every row the imports can touch, with its timestamp: equal snapshots mean nothing was written."""
    from marketplace.catalog import models

    return {
        "providers": list(models.Provider.objects.order_by("ref").values()),
        "solutions": list(models.Solution.objects.order_by("ref").values()),
        "enterprises": list(models.Enterprise.objects.order_by("ref").values()),
        "needs": list(models.Need.objects.order_by("ref").values()),
        "solution_industries": sorted(models.Solution.industries.through.objects.values_list("solution_id", "industry_id")),
        "solution_regions": sorted(models.Solution.regions_served.through.objects.values_list("solution_id", "city_id")),
    }


def __getattr__(name: str) -> Any:
    from marketplace.catalog.interchange.files import CATALOG, NEEDS

    headers = {"CATALOG_HEADERS": CATALOG.names, "NEEDS_HEADERS": NEEDS.names}
    if name in headers:
        return headers[name]
    raise AttributeError(name)
