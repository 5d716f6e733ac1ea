import pytest

from marketplace.catalog.credit_codes import ERROR_LENGTH, check_character, credit_code_error


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_codes_are_valid(code):
    assert credit_code_error(code) is None


def test_check_character_is_computed_from_the_first_17():
    assert check_character("91350100M000100Y4") == "3"


def test_length():
    assert credit_code_error("9135") == ERROR_LENGTH
