from tests.marketplace.files import catalog_rows, csv_bytes


def test_description_over_4000_characters(rejects):
    errors = rejects(csv_bytes(catalog_rows(description="窑" * 4001)))

    assert errors == ["row 2, column description: is 4001 characters long; at most 4000 are allowed"]


def test_exactly_4000_characters_is_fine(seeded_catalog, write_file, run_command):
    result = run_command("import_catalog", str(write_file("long.csv", csv_bytes(catalog_rows(description="窑" * 4000)))))

    assert result.returncode == 0, result.stderr
