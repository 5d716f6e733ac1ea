"""Import is idempotent and export -> import is a no-op, in every format."""
import json

import pytest

from marketplace.catalog import models
from marketplace.catalog.interchange import exports
from marketplace.docking import services
from tests.marketplace.files import VALID_CATALOG_ROWS, catalog_rows, csv_bytes, snapshot


def test_reimporting_the_same_file_changes_nothing(seeded_catalog, write_file, run_command):
    result = run_command("import_catalog", str(write_file("again.csv", csv_bytes(VALID_CATALOG_ROWS))))

    assert result.returncode == 0
    assert "providers: 0 created, 0 updated, 2 unchanged; solutions: 0 created, 0 updated, 2 unchanged" in result.stdout
    assert snapshot() == seeded_catalog


def test_import_stores_codes_lists_and_flags(seeded_catalog):
    kiln = models.Solution.objects.get(ref="S-KILN")
    energy = models.Solution.objects.get(ref="S-ENERGY")

    assert sorted(kiln.industries.values_list("code", flat=True)) == ["ceramics", "refractory"]
    assert sorted(kiln.regions_served.values_list("name", flat=True)) == ["淄博市", "滨州市"]
    assert (kiln.cases, kiln.all_industries, kiln.all_regions) == (12, False, False)
    assert kiln.provider.county.name == "张店区"
    assert (energy.all_industries, energy.all_regions, energy.industries.count()) == (True, True, 0)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_then_import_is_a_no_op(seeded_catalog, write_file, run_command, tmp_path, fmt):
    path = tmp_path / f"catalog.{fmt}"
    assert run_command("export_catalog", str(path)).returncode == 0

    result = run_command("import_catalog", str(path))

    assert result.returncode == 0, result.stderr
    assert "solutions: 0 created, 0 updated, 2 unchanged" in result.stdout
    assert snapshot() == seeded_catalog


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_needs_export_then_import_is_a_no_op(seeded_catalog, run_command, tmp_path, fmt):
    path = tmp_path / f"needs.{fmt}"
    assert run_command("export_needs", str(path)).returncode == 0

    result = run_command("import_needs", str(path))

    assert result.returncode == 0, result.stderr
    assert "needs: 0 created, 0 updated, 1 unchanged" in result.stdout
    assert snapshot() == seeded_catalog


def test_export_writes_canonical_csv(seeded_catalog):
    exported = exports.catalog_export(fmt="csv").decode()

    assert exported == csv_bytes(sorted(VALID_CATALOG_ROWS, key=lambda row: row["solution_ref"])).decode()


def test_changed_row_updates_only_that_solution(seeded_catalog, write_file, run_command):
    rows = catalog_rows(price_max="200000", regions_served="淄博市")

    result = run_command("import_catalog", str(write_file("edit.csv", csv_bytes(rows))))

    assert "solutions: 0 created, 1 updated, 1 unchanged" in result.stdout
    kiln = models.Solution.objects.get(ref="S-KILN")
    assert kiln.price_max == 200_000
    assert list(kiln.regions_served.values_list("name", flat=True)) == ["淄博市"]
    before = {row["ref"]: row for row in seeded_catalog["solutions"]}
    assert kiln.updated_at > before["S-KILN"]["updated_at"]
    assert models.Solution.objects.get(ref="S-ENERGY").updated_at == before["S-ENERGY"]["updated_at"]


def test_dry_run_validates_and_writes_nothing(db, write_file, run_command):
    result = run_command("import_catalog", "--dry-run", str(write_file("c.csv", csv_bytes(VALID_CATALOG_ROWS))))

    assert result.returncode == 0
    assert "dry run: nothing written" in result.stdout
    assert "solutions: 2 created" in result.stdout
    assert models.Solution.objects.count() == 0


def test_json_accepts_arrays_numbers_and_full_width_separators(db, write_file, run_command):
    rows = [dict(row) for row in VALID_CATALOG_ROWS]
    rows[0].update(industries=["ceramics", "refractory"], price_min=80000, cases=12, case_industries="ceramics；refractory")
    rows[1].update(price_min=30000.0, provider_city="淄博")

    result = run_command("import_catalog", str(write_file("c.json", json.dumps(rows, ensure_ascii=False).encode())))

    assert result.returncode == 0, result.stderr
    assert exports.catalog_export(fmt="csv") == csv_bytes(sorted(VALID_CATALOG_ROWS, key=lambda row: row["solution_ref"]))
