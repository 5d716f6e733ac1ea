from tests.marketplace.files import VALID_CATALOG_ROWS, catalog_rows, csv_bytes


def test_duplicate_solution_ref_in_one_file(rejects):
    rows = catalog_rows() + [dict(VALID_CATALOG_ROWS[0])]

    errors = rejects(csv_bytes(rows))

    assert errors == ['row 4, column solution_ref: duplicate solution_ref "S-KILN" (first at row 2)']


def test_rows_of_one_provider_must_agree(rejects):
    rows = catalog_rows()
    rows.append({**VALID_CATALOG_ROWS[0], "solution_ref": "S-KILN-2", "provider_name": "另一个名字有限公司"})

    errors = rejects(csv_bytes(rows))

    assert errors == ['row 4, column provider_name: differs from row 2 for provider_ref "P-HZZ"']
