"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z); the last
is a check character computed from the first 17 with weights 3^i mod 31.
"""
from django.core.exceptions import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ERROR_LENGTH = "统一社会信用代码应为18位 (credit code must be 18 characters)"
ERROR_CHARACTER = "统一社会信用代码含非法字符 {char!r} (invalid character)"
ERROR_CHECK = "统一社会信用代码校验位错误，应为 {expected} (check character should be {expected})"


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """The reason ``code`` is not a valid credit code, or None when it is."""
    if len(code) != 18:
        return ERROR_LENGTH
    for char in code:
        if char not in ALPHABET:
            return ERROR_CHARACTER.format(char=char)
    expected = check_character(code[:17])
    if code[17] != expected:
        return ERROR_CHECK.format(expected=expected)
    return None


def validate_credit_code(value: str) -> None:
    """Django validator form of :func:`credit_code_error`."""
    if value and (error := credit_code_error(value)):
        raise ValidationError(error, code="credit_code")
