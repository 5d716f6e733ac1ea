import pytest

from tests.marketplace.files import catalog_rows, csv_bytes


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"price_min": "-5000"}, "row 2, column price_min: must be at least 0, got -5000"),
        ({"price_min": "80000.5"}, 'row 2, column price_min: must be a whole number, got "80000.5"'),
        ({"price_max": "18万"}, 'row 2, column price_max: must be a whole number, got "18万"'),
        ({"deployment_weeks": "300"}, "row 2, column deployment_weeks: must be at most 260, got 300"),
        ({"cases": "-1"}, "row 2, column cases: must be at least 0, got -1"),
    ],
)
def test_bad_numbers_are_rejected(rejects, cells, expected):
    assert rejects(csv_bytes(catalog_rows(**cells))) == [expected]
