from tests.marketplace.files import catalog_rows, csv_bytes


def test_wrong_check_character(rejects):
    errors = rejects(csv_bytes(catalog_rows(credit_code="91350100M000100Y44")))

    assert errors == [
        "row 2, column credit_code: 统一社会信用代码校验位错误，应为 3 (check character should be 3)"
    ]


def test_wrong_length_and_characters(rejects):
    rows = catalog_rows(credit_code="9135010")
    rows[1]["credit_code"] = "91350100M000100YI3"

    errors = rejects(csv_bytes(rows))

    assert errors == [
        "row 2, column credit_code: 统一社会信用代码应为18位 (credit code must be 18 characters)",
        "row 3, column credit_code: 统一社会信用代码含非法字符 'I' (invalid character)",
    ]
