"""Finding 5: a 14.8 KB XLSX declaring 2,000 columns and a row 1,048,576 kept the importer busy
for 98 s; 100,000 rows took 43 s; a 270 KB upload produced an 8.5 MB error page listing 65,004
problems; ``price_min=3000000000`` or ``cases=99999999999`` escaped as an uncaught
``ValidationError``. Limits are checked before parsing cost grows; numbers out of range are row
errors; reports list the first 100 problems and count the rest."""
from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.test import Client

from marketplace.catalog import limits
from tests.marketplace.factories import UserFactory
from tests.marketplace.files import VALID_CATALOG_ROWS, VALID_NEED_ROWS, csv_bytes

pytestmark = pytest.mark.django_db

HEADERS = list(VALID_CATALOG_ROWS[0])


def _xlsx(rows: list[list], far_cell: tuple[int, int] | None = None, drop_dimension: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if far_cell:
        sheet.cell(row=far_cell[0], column=far_cell[1], value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not drop_dimension:
        return buffer.getvalue()
    source, target = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            out.writestr(item, data)
    return target.getvalue()


@pytest.mark.parametrize(("far_cell", "drop_dimension", "message"), [
    ((1_048_576, 1), False, f"file: more than {limits.IMPORT_ROWS_MAX:,} rows; split it into smaller files"),
    ((2, 2_000), False, f"row 1: more than {limits.IMPORT_COLUMNS_MAX} columns"),
    ((1_048_576, 2_000), True, f"file: more than {limits.IMPORT_ROWS_MAX:,} rows; split it into smaller files"),
    ((3, 2_000), True, f"row 1: more than {limits.IMPORT_COLUMNS_MAX} columns"),
])  # fmt: skip
def test_an_xlsx_claiming_a_huge_sheet_is_refused_quickly(rejects, far_cell, drop_dimension, message):
    data = _xlsx([HEADERS, list(VALID_CATALOG_ROWS[0].values())], far_cell, drop_dimension)
    assert len(data) < 20_000

    start = time.perf_counter()
    errors = rejects(data, name="hostile.xlsx")

    assert errors == [message]
    assert time.perf_counter() - start < 5


def test_too_many_csv_rows_are_refused_before_validation(rejects):
    rows = [{**VALID_CATALOG_ROWS[0], "solution_ref": f"S{n}"} for n in range(limits.IMPORT_ROWS_MAX + 1)]

    start = time.perf_counter()
    errors = rejects(csv_bytes(rows))

    assert errors == [f"file: more than {limits.IMPORT_ROWS_MAX:,} rows; split it into smaller files"]
    assert time.perf_counter() - start < 10


def test_a_huge_cell_is_refused(rejects):
    rows = [{**VALID_CATALOG_ROWS[0], "title": "窑" * (limits.IMPORT_CELL_MAX_CHARS + 1)}]

    assert rejects(csv_bytes(rows)) == [
        f"row 2, column title: is {limits.IMPORT_CELL_MAX_CHARS + 1:,} characters long; at most "
        f"{limits.IMPORT_CELL_MAX_CHARS:,} are allowed"
    ]


@pytest.mark.parametrize(("column", "value", "message"), [
    ("price_min", "3000000000", f"must be at most {limits.MONEY_MAX}, got 3000000000"),
    ("price_max", "3000000000", f"must be at most {limits.MONEY_MAX}, got 3000000000"),
    ("cases", "99999999999", f"must be at most {limits.CASES_MAX}, got 99999999999"),
    ("case_industries", "ceramics;refractory;chemical", "lists 3 industries for 2 cases"),
])  # fmt: skip
def test_out_of_range_catalog_numbers_are_row_errors(rejects, column, value, message):
    row = {**VALID_CATALOG_ROWS[0], column: value, **({"cases": "2"} if column == "case_industries" else {})}

    assert rejects(csv_bytes([row])) == [f"row 2, column {column}: {message}"]


def test_an_out_of_range_budget_is_a_row_error(rejects):
    row = {**VALID_NEED_ROWS[0], "budget_max": "3000000000"}

    errors = rejects(csv_bytes([row]), command="import_needs")

    assert errors == [f"row 2, column budget_max: must be at most {limits.MONEY_MAX}, got 3000000000"]


def test_the_command_lists_the_first_100_problems_and_counts_the_rest(rejects):
    rows = [{**VALID_CATALOG_ROWS[0], "solution_ref": f"S{n}", "tier": "bogus"} for n in range(250)]

    errors = rejects(csv_bytes(rows))

    assert len(errors) == 100
    assert errors[0].startswith("row 2, column tier: unknown code")


def test_the_admin_import_page_lists_the_first_100_problems(seeded_catalog):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    rows = [{**VALID_CATALOG_ROWS[0], "solution_ref": f"S{n}", "tier": "bogus"} for n in range(250)]
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "bad.csv"

    response = client.post("/admin/marketplace/solution/import/", {"file": upload})

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("column tier: unknown code") == 100
    assert "... and 150 more problems" in body
