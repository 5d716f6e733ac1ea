from tests.marketplace.files import catalog_rows, csv_bytes


def test_price_min_above_price_max(rejects):
    errors = rejects(csv_bytes(catalog_rows(price_min="200000", price_max="180000")))

    assert errors == ["row 2, column price_max: must be at least price_min (200000), got 180000"]
