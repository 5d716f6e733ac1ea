"""The ranking on the hand-written development set (fixtures/dev), with the real model and the
full fixture catalog: the figures README quotes, held as floors."""
from __future__ import annotations

import pytest

from marketplace.catalog.models import Solution
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
    texts = {ref: f"{title}\n{text}" for ref, title, text in Solution.objects.values_list("ref", "title", "description")}
    slices = evaluation.language_slices({ref: q.text for ref, q in queries.items()}, texts, qrels)
    variants = (*evaluation.VARIANTS, BEFORE_CROSS_LANGUAGE, WITHOUT_GLOSSARY)
    rows = evaluation.run(services.get_matcher(), queries, qrels, variants=variants, slices=slices)
    return {row["variant"]: row for row in rows}


# The product as it ranked before the dense scores were aligned across languages.
BEFORE_CROSS_LANGUAGE = evaluation.Variant("product before language alignment", {}, {"dense_language_alignment": 0.0})
# The product without the bilingual glossary in the lexical channel.
WITHOUT_GLOSSARY = evaluation.Variant("product without the glossary", {}, {"glossary_expansion": 0.0})


def test_development_set(dev_rows):
    product = dev_rows["fused + structured (blend)"]

    assert product["needs"] >= 84
    # Regression floors under the measured 0.728 overall, 0.713 same-language, 0.734
    # cross-language (README; 0.706 / 0.704 / 0.707 before the cross-lingual slice was re-graded
    # by reading and the glossary added). The floor was 0.74 under 0.755 on 64 needs; the set now has the
    # cross-lingual slice (20 needs, hard by design), 843 more judged pairs and a catalog of
    # 2,889 solutions: the ranking before this change scores 0.685 on it.
    assert product["ndcg@10"] >= 0.69
    assert product["ndcg@10 same-language"] >= 0.69
    assert product["ndcg@10 cross-language"] >= 0.69
    # The cross-language slice reaches at least 0.9x the same-language figure (issue 12).
    assert product["ndcg@10 cross-language"] >= 0.9 * product["ndcg@10 same-language"]
    before = dev_rows["product before language alignment"]
    assert product["ndcg@10 cross-language"] > before["ndcg@10 cross-language"]
    # The glossary helps across languages without costing the same-language needs.
    plain = dev_rows["product without the glossary"]
    assert product["ndcg@10 cross-language"] > plain["ndcg@10 cross-language"]
    assert product["ndcg@10 same-language"] >= plain["ndcg@10 same-language"]
    assert product["over_budget@5"] == 0.0
    for other in ("dense only", "lexical only", "dense + filters", "lexical + filters", "rrf + filters"):
        assert product["ndcg@10"] > dev_rows[other]["ndcg@10"], other
    # The figures compare judged results: a ranking change that surfaces unjudged solutions
    # needs them judged (fixtures/dev/qrels.csv) before its numbers mean anything.
    for name, row in dev_rows.items():
        assert row["judged@10"] >= 0.95, name
