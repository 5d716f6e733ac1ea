"""The ranking on the hand-written development set (fixtures/dev), with the real model and the
full fixture catalog: the figures README quotes, held as floors."""
from __future__ import annotations

import pytest

from matching import evaluation, services
from matching.queries import queries_from_file
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def dev_rows(real_model, run_command) -> dict[str, dict]:
    assert run_command("import_catalog", str(FIXTURES / "catalog.csv")).returncode == 0
    assert run_command("build_index", "--no-refresh").returncode == 0
    queries = dict(queries_from_file(FIXTURES / "dev" / "needs.csv"))
    qrels = evaluation.read_qrels((FIXTURES / "dev" / "qrels.csv").read_bytes())
    rows = evaluation.run(services.get_matcher(), queries, qrels)
    return {row["variant"]: row for row in rows}


def test_development_set(dev_rows):
    product = dev_rows["fused + structured (blend)"]

    assert product["needs"] >= 60
    # A regression floor under the measured 0.755 (README); the issue asked for 0.75.
    assert product["ndcg@10"] >= 0.74
    assert product["over_budget@5"] == 0.0
    for other in ("dense only", "lexical only", "dense + filters", "lexical + filters", "rrf + filters"):
        assert product["ndcg@10"] > dev_rows[other]["ndcg@10"], other
    # The figures compare judged results: a ranking change that surfaces unjudged solutions
    # needs them judged (fixtures/dev/qrels.csv) before its numbers mean anything.
    for name, row in dev_rows.items():
        assert row["judged@10"] >= 0.95, name
