from __future__ import annotations

import math

import pytest

from matching.engine.metrics import evaluate, gini, mrr, ndcg_at_k, over_budget_share, recall_at_k
from matching.engine.types import RankedResult

from .helpers import make_facts

GRADES = {"a": 2, "c": 1, "d": 2, "e": 0}


def test_ndcg_by_hand() -> None:
    dcg = 2 / math.log2(2) + 0 + 1 / math.log2(4)
    ideal = 2 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(["a", "b", "c"], GRADES, k=3) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(["a", "d", "c"], GRADES, k=3) == pytest.approx(1.0)
    assert ndcg_at_k(["a", "b", "c"], GRADES, k=1) == pytest.approx(1.0)
    assert ndcg_at_k(["b", "e"], GRADES) == 0.0
    assert ndcg_at_k(["a"], {"a": 0}) == 0.0


def test_recall_and_mrr_by_hand() -> None:
    assert recall_at_k(["a", "b", "c"], GRADES, k=3) == pytest.approx(2 / 3)
    assert recall_at_k(["a", "b", "c"], GRADES, k=1) == pytest.approx(1 / 3)
    assert recall_at_k(["a"], {"a": 0}) == 0.0
    assert mrr(["x", "e", "c"], GRADES) == pytest.approx(1 / 3)
    assert mrr(["x", "e", "c"], GRADES, k=2) == 0.0
    assert mrr(["d"], GRADES) == 1.0


def test_over_budget_share_accepts_flags_and_results() -> None:
    assert over_budget_share([True, False, False, False]) == 0.25
    assert over_budget_share([]) == 0.0
    results = [
        RankedResult(1, make_facts(1), 0.9, {}, (), over_budget=True),
        RankedResult(2, make_facts(2), 0.8, {}, (), over_budget=False),
    ]
    assert over_budget_share(results) == 0.5


def test_gini_by_hand() -> None:
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([]) == 0.0 and gini([0, 0]) == 0.0
    with pytest.raises(ValueError):
        gini([1, -1])


def test_evaluate_means_over_judged_queries() -> None:
    runs = {"q1": ["a", "b", "c"], "q2": ["z"], "unjudged": ["a"]}
    qrels = {"q1": GRADES, "q2": {"z": 1, "y": 1}, "q3": {"w": 2}}
    summary = evaluate(runs, qrels, k=3)
    q1_ndcg = (2 + 0.5) / (2 + 2 / math.log2(3) + 0.5)
    q2_ndcg = 1 / (1 + 1 / math.log2(3))
    assert summary["queries"] == 3
    assert summary["ndcg@3"] == pytest.approx((q1_ndcg + q2_ndcg + 0) / 3)
    assert summary["recall@3"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    assert summary["mrr@3"] == pytest.approx((1 + 1 + 0) / 3)
