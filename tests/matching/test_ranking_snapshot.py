"""``ranking_snapshot``: a full-precision record of what the matcher ranks, and its comparison,
which fails when two snapshots rank differently (the check of an engine change, README "Scale")."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from matching.queries import queries_from_file
from tests.conftest import FIXTURES

NEEDS = FIXTURES / "dev" / "needs.csv"


def test_a_snapshot_equals_itself_and_a_reordered_one_fails_the_comparison(built, tmp_path):
    first = tmp_path / "first.jsonl"
    call_command("ranking_snapshot", "--needs-file", str(NEEDS), "--out", str(first), stdout=StringIO())
    rows = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 * len(queries_from_file(NEEDS))
    assert {row["mode"] for row in rows} == {"filtered", "plain"} and all("candidates" in row for row in rows)

    same = StringIO()
    call_command("ranking_snapshot", "--compare", str(first), str(first), stdout=same)
    assert "identical: True; candidate ids identical: True" in same.getvalue()

    changed = next(row for row in rows if len(row["results"]) >= 2)
    changed["results"][:2] = changed["results"][1::-1]  # the first two swapped
    second = tmp_path / "second.jsonl"
    second.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    report = StringIO()
    with pytest.raises(CommandError, match="the rankings differ"):
        call_command("ranking_snapshot", "--compare", str(first), str(second), stdout=report)
    assert f"differs: {changed['ref']} {changed['mode']}" in report.getvalue()


def test_it_asks_for_either_a_snapshot_or_a_comparison(db):
    with pytest.raises(CommandError, match="either --out"):
        call_command("ranking_snapshot", stdout=StringIO())
