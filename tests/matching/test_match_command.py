"""`manage.py match` follows the output contract of catalog-format.md."""
import json

import pytest

from tests.marketplace.files import VALID_NEED_ROWS, csv_bytes

ARGS = ["--text", "窑炉温度全靠老师傅看火，天然气费用一年比一年高", "--budget-max", "150000", "--industry", "ceramics",
        "--city", "淄博", "--county", "博山区", "--timeline-weeks", "8", "--top", "3", "--json"]  # fmt: skip


def test_one_query_prints_the_contract_json(built, run_command):
    result = run_command("match", *ARGS)

    payload = json.loads(result.stdout)
    assert payload["query"] == {
        "text": "窑炉温度全靠老师傅看火，天然气费用一年比一年高", "budget_max": 150000, "industry": "ceramics",
        "city": "淄博市", "county": "博山区", "timeline_weeks": 8,
    }  # fmt: skip
    first = payload["results"][0]
    assert (first["rank"], first["solution_ref"], first["provider_ref"]) == (1, "S-KILN", "P-HZZ")
    assert {"semantic", "lexical", "budget_fit", "industry_fit", "region_fit", "speed_fit", "track_record"} <= set(
        first["explanation"]
    )
    assert first["explanation"]["reasons"][0] == "报价部分超出预算（最高18万元）"  # 8万 起, 18万 at most
    assert len(payload["results"]) <= 3
    assert all(r["price_min"] <= 150000 for r in payload["results"])


def test_needs_file_prints_json_lines_with_need_refs(built, run_command, write_file):
    rows = [VALID_NEED_ROWS[0], {**VALID_NEED_ROWS[0], "need_ref": "N-2", "description": "服装订单进度看不清，工人扫码报工"}]

    result = run_command("match", "--needs-file", str(write_file("q.csv", csv_bytes(rows))), "--json")

    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["need_ref"] for line in lines] == ["N-1", "N-2"]
    assert lines[0]["results"][0]["solution_ref"] == "S-KILN"
    from marketplace.catalog.models import Need

    assert not Need.objects.filter(ref="N-2").exists()  # read, not imported


def test_text_output_is_readable(built, run_command):
    result = run_command("match", *ARGS[:-1])

    assert "S-KILN 窑炉智慧大脑 — 淄博海智造科技有限公司 (8-18万, 6周)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "x", "--industry", "toys"], 'unknown code "toys"'),
        (["--text", "x", "--city", "上海"], '"上海" is not a city of Shandong province'),
        (["--text", "x", "--city", "淄博", "--county", "历下区"], '"历下区" is not a county of 淄博市'),
        (["--text", "x", "--budget-max", "0"], "--budget-max must be at least 1"),
        ([], "give either --text (one query) or --needs-file (a file of needs)"),
    ],
)
def test_bad_arguments_get_a_clear_message(built, run_command, args, message):
    result = run_command("match", *args)

    assert result.returncode == 1
    assert message in result.stderr


def test_bad_needs_file_reports_rows(built, run_command, write_file):
    rows = [{**VALID_NEED_ROWS[0], "budget_max": "-1"}]

    result = run_command("match", "--needs-file", str(write_file("q.csv", csv_bytes(rows))), "--json")

    assert "row 2, column budget_max: must be at least 1, got -1" in result.stderr


def test_works_right_after_import_and_build_on_an_empty_database(catalog, run_command):
    assert run_command("build_index").returncode == 0

    result = run_command("match", *ARGS)

    assert json.loads(result.stdout)["results"][0]["solution_ref"] == "S-KILN"
