from tests.marketplace.files import VALID_NEED_ROWS, csv_bytes


def test_bad_need_rows(rejects):
    rows = [
        {**VALID_NEED_ROWS[0], "budget_max": "0", "county": "历下区", "specialized_level": "gazelle"},
        {**VALID_NEED_ROWS[0], "need_ref": "N-2", "timeline_weeks": "-3", "enterprise_name": "别的名字"},
    ]

    errors = rejects(csv_bytes(rows), command="import_needs")

    assert errors == [
        'row 2, column county: "历下区" is not a county of 淄博市',
        'row 2, column specialized_level: unknown code "gazelle"; expected one of little_giant, none, provincial',
        "row 2, column budget_max: must be at least 1, got 0",
        "row 3, column timeline_weeks: must be at least 1, got -3",
    ]
