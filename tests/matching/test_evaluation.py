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


def test_text_language_is_chinese_when_most_letters_are_cjk() -> None:
    assert evaluation.text_language("窑炉温度全靠老师傅看火") == "zh"
    assert evaluation.text_language("Kessler APS - finite-capacity scheduling for job shops") == "en"
    assert evaluation.text_language("我们用SAP和MES，现在想上一套APS排产系统") == "zh"  # 14 CJK of 23 letters
    assert evaluation.text_language("我们用SAP和MES，想上APS") == "en"  # 6 CJK of 15 letters
    assert evaluation.text_language("Our ERP (用友U8) cannot schedule the shop") == "en"
    assert evaluation.text_language("2024-08") == "en"


def test_a_need_is_cross_language_when_a_fully_relevant_solution_is_in_the_other_language() -> None:
    needs = {"N1": "排产靠Excel，插单就乱", "N2": "Our kilns burn too much gas", "N3": "仓库找货难", "N4": "没有判断"}
    solutions = {"S1": "Kessler APS\nFinite-capacity scheduling", "S2": "窑炉燃烧优化\n省天然气",
                 "S3": "智能仓储WMS\n扫码出入库", "S4": "Wavelog WMS Cloud\nBins and barcode picking"}
    qrels = {
        "N1": {"S1": 2, "S3": 0},  # its best answer is English
        "N2": {"S2": 2, "S4": 0},  # its best answer is Chinese
        "N3": {"S3": 2, "S4": 1},  # an English solution that only partly fits does not count
        "N4": {"S9": 2},  # a solution without a text counts neither way
        "N5": {"S1": 2},  # not among the needs
    }
    slices = evaluation.language_slices(needs, solutions, qrels)
    assert slices == {evaluation.SAME_LANGUAGE: {"N3", "N4"}, evaluation.CROSS_LANGUAGE: {"N1", "N2"}}


def test_slices_add_their_ndcg_and_need_counts(matcher: Matcher) -> None:
    queries = {"N1": make_query(), "N2": make_query(text="排产 报工")}
    qrels = {"N1": {"S0001": 2}, "N2": {"S0004": 2}}
    plain = evaluation.Variant("dense only", {"channels": ("dense",), "structured": False})
    slices = {"same-language": {"N1"}, "cross-language": {"N2"}, "empty": set()}
    row = evaluation.run(matcher, queries, qrels, [plain], slices=slices)[0]
    alone = {ref: evaluation.run(matcher, {ref: queries[ref]}, {ref: qrels[ref]}, [plain])[0]["ndcg@10"]
             for ref in queries}
    assert row["ndcg@10 same-language"] == pytest.approx(alone["N1"])
    assert row["ndcg@10 cross-language"] == pytest.approx(alone["N2"])
    assert row["ndcg@10"] == pytest.approx((alone["N1"] + alone["N2"]) / 2)
    assert (row["needs same-language"], row["needs cross-language"], row["needs empty"]) == (1, 1, 0)
    assert list(row)[:5] == ["variant", "ndcg@10", "ndcg@10 same-language", "ndcg@10 cross-language", "ndcg@10 empty"]
