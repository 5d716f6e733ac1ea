"""The shipped term-count file: round trip, same bytes for the same counts, clear errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from matching.engine.termfile import TermFileError, file_name, read_terms, write_terms

COUNTS = {"b" * 64: {"窑炉": 2, "kiln": 1}, "a" * 64: {"排产": 1}}


def test_term_counts_read_back_as_written_and_the_bytes_are_stable(tmp_path: Path) -> None:
    first, second = tmp_path / "one" / file_name("jieba:v1"), tmp_path / "two" / file_name("jieba:v1")
    assert write_terms(first, "jieba:v1", COUNTS) == 2
    write_terms(second, "jieba:v1", dict(reversed(list(COUNTS.items()))))

    assert read_terms(first) == ("jieba:v1", COUNTS)
    assert first.read_bytes() == second.read_bytes()
    assert first.name == "terms-jieba-v1.json.gz"


@pytest.mark.parametrize("content", [b"", b"not gzip", b"\x1f\x8b\x08\x00garbage"])
def test_an_unreadable_file_is_a_term_file_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "terms.json.gz"
    path.write_bytes(content)
    with pytest.raises(TermFileError):
        read_terms(path)


def test_another_format_is_refused(tmp_path: Path) -> None:
    import gzip
    import json

    path = tmp_path / "terms.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"format": 99, "tokenizer": "x", "terms": {}}).encode()))
    with pytest.raises(TermFileError, match="format 99"):
        read_terms(path)
