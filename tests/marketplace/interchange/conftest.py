"""Helpers for import tests: build small files cell by cell, run the commands, and snapshot the
database so a test can show that a rejected file wrote nothing."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from marketplace import models
from marketplace.interchange.files import CATALOG, NEEDS

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


class ImportResult:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith(("row ", "file:"))]


@pytest.fixture
def run_command() -> Callable[..., ImportResult]:
    def run(name: str, *args: str) -> ImportResult:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(name, *args, stdout=out, stderr=err, verbosity=0)
        except CommandError as error:
            err.write(str(error))
            return ImportResult(error.returncode, out.getvalue(), err.getvalue())
        return ImportResult(0, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


def snapshot() -> dict:
    """Every row the imports can touch, with its timestamp: equal snapshots mean nothing was written."""
    return {
        "providers": list(models.Provider.objects.order_by("ref").values()),
        "solutions": list(models.Solution.objects.order_by("ref").values()),
        "enterprises": list(models.Enterprise.objects.order_by("ref").values()),
        "needs": list(models.Need.objects.order_by("ref").values()),
        "solution_industries": sorted(models.Solution.industries.through.objects.values_list("solution_id", "industry_id")),
        "solution_regions": sorted(models.Solution.regions_served.through.objects.values_list("solution_id", "city_id")),
    }


@pytest.fixture
def seeded_catalog(db, write_file, run_command) -> dict:
    """A database holding the valid catalog and needs; returns its snapshot."""
    assert run_command("import_catalog", str(write_file("seed.csv", csv_bytes(VALID_CATALOG_ROWS)))).returncode == 0
    assert run_command("import_needs", str(write_file("seed-needs.csv", csv_bytes(VALID_NEED_ROWS)))).returncode == 0
    return snapshot()


@pytest.fixture
def rejects(seeded_catalog, write_file, run_command) -> Callable[..., list[str]]:
    """Import a bad file; assert exit status 1 and an unchanged database; return the error lines."""

    def check(data: bytes, name: str = "bad.csv", command: str = "import_catalog") -> list[str]:
        result = run_command(command, str(write_file(name, data)))
        assert result.returncode == 1, result.stdout
        assert "nothing was imported" in result.stderr
        assert snapshot() == seeded_catalog
        return result.errors

    return check


CATALOG_HEADERS = CATALOG.names
NEEDS_HEADERS = NEEDS.names
