"""Fixtures for the matcher's Django shell: a small catalog written through the real import,
and a helper that runs on-commit side effects the way a request would."""
from __future__ import annotations

import pytest

from tests.marketplace.files import VALID_CATALOG_ROWS, VALID_NEED_ROWS, csv_bytes

# Lazy Django: tests/matching/engine must also run without Django (-p no:django), and this file
# is their parent conftest, so it imports nothing that loads models at module level.

EXTRA_ROWS = [
    {
        **VALID_CATALOG_ROWS[0], "solution_ref": "S-MES", "provider_ref": "P-MES", "provider_name": "青岛织造软件有限公司",
        "credit_code": "", "provider_city": "青岛市", "provider_county": "", "tier": "other", "title": "服装厂扫码报工看板",
        "category": "mes", "industries": "textile", "description": "工人扫码报工，订单进度看板，车间生产透明。",
        "price_min": "30000", "price_max": "60000", "deployment_weeks": "3", "delivery_mode": "saas",
        "regions_served": "青岛市", "cases": "5", "case_industries": "textile",
    },
    {
        **VALID_CATALOG_ROWS[0], "solution_ref": "S-KILN-PRICEY", "provider_ref": "P-BIG", "provider_name": "济南大平台科技有限公司",
        "credit_code": "", "provider_city": "济南市", "provider_county": "", "tier": "provincial",
        "price_min": "900000", "price_max": "2000000", "cases": "0", "case_industries": "",
    },
]  # fmt: skip


@pytest.fixture
def catalog(db, run_command, write_file):
    """Four solutions (two kiln, one energy, one MES) and one ceramics need, imported from files."""
    assert run_command("import_catalog", str(write_file("c.csv", csv_bytes(VALID_CATALOG_ROWS + EXTRA_ROWS)))).returncode == 0
    assert run_command("import_needs", str(write_file("n.csv", csv_bytes(VALID_NEED_ROWS)))).returncode == 0


@pytest.fixture
def built(catalog):
    from matching import services

    return services.index_build()
