from tests.marketplace.files import CATALOG_HEADERS, catalog_rows, csv_bytes


def test_every_missing_required_column_is_named(rejects):
    headers = [h for h in CATALOG_HEADERS if h not in ("price_min", "regions_served")]

    errors = rejects(csv_bytes(catalog_rows(), headers))

    assert errors == [
        "row 1, column price_min: required column is missing",
        "row 1, column regions_served: required column is missing",
    ]


def test_optional_columns_may_be_left_out(seeded_catalog, write_file, run_command):
    headers = [h for h in CATALOG_HEADERS if h not in ("credit_code", "provider_county", "cases", "case_industries")]
    rows = catalog_rows(solution_ref="S-NEW", provider_ref="P-NEW")

    result = run_command("import_catalog", str(write_file("lean.csv", csv_bytes(rows[:1], headers))))

    assert result.returncode == 0, result.stderr
    assert "solutions: 1 created" in result.stdout


def test_empty_required_cell_is_reported(rejects):
    errors = rejects(csv_bytes(catalog_rows(title="")))

    assert errors == ["row 2, column title: is required"]
