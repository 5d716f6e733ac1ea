"""matching.evaluation on a small engine catalog (no database)."""
from __future__ import annotations

import pytest

from matching import evaluation
from matching.engine import Matcher
from matching.engine.embedders import HashingEmbedder
from matching.engine.pipeline import document_text
from tests.matching.engine.helpers import LABELS, make_facts, make_query


@pytest.fixture
def matcher() -> Matcher:
    matcher = Matcher(HashingEmbedder(dim=256), labels=LABELS)
    items = [
        (make_facts(1, category="energy"), "窑炉燃烧优化 天然气 节能"),
        (make_facts(2, category="energy", industries={"chemical"}, case_industries=set()), "窑炉 天然气 节能 化工"),
        (make_facts(3, category="energy", regions={"青岛市"}, provider_city="青岛市"), "窑炉 天然气 温度"),
        (make_facts(4, category="mes"), "排产 报工"),
    ]
    matcher.upsert_many([(facts, document_text(facts, text, LABELS)) for facts, text in items])
    return matcher


def test_variants_apply_their_weights_and_report_judged_share(matcher: Matcher) -> None:
    queries = {"N1": make_query()}
    qrels = {"N1": {"S0001": 2, "S0002": 1}}  # S0003 and S0004 unjudged
    dense_filtered = {"channels": ("dense",), "structured": False, "hard_filters": True}
    naive = evaluation.Variant("dense + filters", dense_filtered, evaluation.NAIVE_FILTERED)
    plain = evaluation.Variant("dense only", {"channels": ("dense",), "structured": False})
    rows = {row["variant"]: row for row in evaluation.run(matcher, queries, qrels, [plain, naive])}

    # The naive baseline drops the chemicals-only solution and the one not serving 淄博市.
    assert rows["dense + filters"]["judged@10"] == pytest.approx(1 / 2)  # S0001 judged, S0004 not
    assert rows["dense only"]["judged@10"] == pytest.approx(2 / 4)
    assert set(rows["dense only"]) == {"variant", "ndcg@10", "recall@10", "mrr", "over_budget@5", "judged@10", "needs"}
    assert "| judged@10 |" in evaluation.markdown(list(rows.values())).splitlines()[0]


def test_product_variant_is_the_last_row() -> None:
    assert evaluation.VARIANTS[-1].name == "fused + structured (blend)"
    assert {"dense + filters", "lexical + filters", "rrf + filters"} <= {v.name for v in evaluation.VARIANTS}
