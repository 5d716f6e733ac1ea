"""The limits a user may meet, in one place (README "Limits" lists them).

Plain Python: the models, forms, serializers, filters, the importer and the input guard all read
these, so a claim or a query that one way in refuses is refused by every other.
"""
from __future__ import annotations

import re

# Claims that feed the ranking and the budget filter: sane ranges, not the database's.
MONEY_MAX = 100_000_000  # RMB (1亿元): prices, budgets and quotes
CASES_MAX = 100_000  # customers running one solution (the largest real platform claims 80,000)

# Search: the words of ``q`` after de-duplication, and the length of every filter value.
QUERY_WORDS_MAX = 32
QUERY_MAX_CHARS = 1000
FILTER_VALUE_MAX_CHARS = 200

# Import files, checked before parsing cost grows (the byte size is settings.IMPORT_MAX_BYTES).
IMPORT_ROWS_MAX = 20_000
IMPORT_COLUMNS_MAX = 40
IMPORT_CELL_MAX_CHARS = 10_000
IMPORT_ERRORS_SHOWN = 100

# C0 controls except tab, line feed and carriage return; DEL; C1 controls. PostgreSQL refuses NUL
# in text, and none of these belongs in a name, a description or a code.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character of ``text`` as ``U+XXXX``, or None."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def search_words(text: str) -> list[str]:
    """The distinct words of a search, in order, at most ``QUERY_WORDS_MAX`` (more words than
    that narrow nothing a person would notice, and each costs a clause)."""
    words: list[str] = []
    for word in text.split():
        if word not in words:
            words.append(word)
            if len(words) == QUERY_WORDS_MAX:
                break
    return words


def first_problems(errors: list[str]) -> list[str]:
    """What a report shows: the first ``IMPORT_ERRORS_SHOWN`` problems and how many more there are."""
    if len(errors) <= IMPORT_ERRORS_SHOWN:
        return errors
    return errors[:IMPORT_ERRORS_SHOWN] + [f"... and {len(errors) - IMPORT_ERRORS_SHOWN:,} more problems"]
