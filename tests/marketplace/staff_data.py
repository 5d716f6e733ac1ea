"""A small marketplace for the administrator's pages: every 25th solution of fixtures/catalog.csv
(plus the hand-written kiln and energy rows), a dozen needs of fixtures/needs.csv plus the kiln
need, the index built with the test settings' hashing embedder, matches stored, leads offered."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from django.core.management import call_command

from tests.conftest import FIXTURES
from tests.e2e.conftest import fixture_catalog_rows
from tests.marketplace.files import VALID_CATALOG_ROWS, VALID_NEED_ROWS, csv_bytes

NEEDS = 12


def _every_25th(row: dict) -> bool:
    return int(row["solution_ref"][1:]) % 25 == 0


def _fixture_needs(count: int) -> list[dict]:
    with open(FIXTURES / "needs.csv", encoding="utf-8") as handle:
        return [row for _, row in zip(range(count), csv.DictReader(handle), strict=False)]


def load_staff_marketplace(folder: Path, *, needs: int = NEEDS) -> None:
    from marketplace.docking.services.leads import leads_allocate
    from matching import services

    catalog = folder / "staff-catalog.csv"
    rows = list(csv.DictReader(io.StringIO(fixture_catalog_rows(_every_25th).decode("utf-8"))))
    catalog.write_bytes(csv_bytes(rows + VALID_CATALOG_ROWS, headers=list(rows[0])))
    needs_file = folder / "staff-needs.csv"
    need_rows = _fixture_needs(needs) + VALID_NEED_ROWS
    needs_file.write_bytes(csv_bytes(need_rows, headers=list(need_rows[0])))
    call_command("import_catalog", str(catalog), verbosity=0)
    call_command("import_needs", str(needs_file), verbosity=0)
    services.index_build()
    services.need_matches_refresh()
    leads_allocate()
