from tests.marketplace.files import CATALOG_HEADERS, catalog_rows, csv_bytes


def test_unknown_column_is_an_error_not_dropped(rejects):
    rows = [{**row, "联系人": "王经理"} for row in catalog_rows()]

    errors = rejects(csv_bytes(rows, CATALOG_HEADERS + ["联系人"]))

    assert errors == ["row 1, column 联系人: unknown column"]
