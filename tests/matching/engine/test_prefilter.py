"""Hard filters that leave few solutions: the eligible ids come from ``FilterColumns`` and only
they are scored (``engine/retrieval.py``), instead of widening the pool over the whole index."""
from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from matching.engine.eligibility import FilterColumns
from matching.engine.embedders import HashingEmbedder
from matching.engine.pipeline import Matcher, document_text
from matching.engine.types import NeedQuery, RankingWeights, SolutionFacts

from .helpers import LABELS, make_facts, make_query

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
CITIES = ["济南市", "青岛市", "淄博市", "潍坊市", "烟台市", "临沂市"]


def _set(value: str) -> frozenset[str]:
    return frozenset(filter(None, value.split(";")))


def fixture_catalog(every: int) -> list[tuple[SolutionFacts, str]]:
    """Every ``every``-th solution of fixtures/catalog.csv with its facts and indexed text."""
    items = []
    with open(FIXTURES / "catalog.csv", encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=1):
            if number % every:
                continue
            facts = SolutionFacts(
                id=number, ref=row["solution_ref"], provider_ref=row["provider_ref"], title=row["title"],
                provider_name=row["provider_name"], price_min=int(row["price_min"]), price_max=int(row["price_max"]),
                deployment_weeks=int(row["deployment_weeks"]), industries=_set(row["industries"]),
                regions=_set(row["regions_served"]), provider_city=row["provider_city"],
                provider_county=row["provider_county"], cases=int(row["cases"] or 0),
                case_industries=_set(row["case_industries"]), tier=row["tier"], category=row["category"],
            )  # fmt: skip
            items.append((facts, document_text(facts, row["description"], LABELS)))
    return items


def fixture_needs(count: int) -> list[NeedQuery]:
    with open(FIXTURES / "needs.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:count]
    return [
        NeedQuery(text=f"{row['title']}\n{row['description']}", budget_max=int(row["budget_max"]) if row["budget_max"] else None,
                  industry=row["industry"], city=row["city"], county=row["county"])
        for row in rows
    ]  # fmt: skip


def test_filter_columns_agree_with_the_filters_on_random_facts_and_follow_upsert_and_remove() -> None:
    rng = random.Random(3)
    columns, facts = FilterColumns(), {}
    for id in range(1, 400):
        served = frozenset(rng.sample(CITIES, rng.randint(0, 2)))
        item = make_facts(id, price_min=rng.randrange(0, 300_000, 10_000), price_max=400_000, regions=served,
                          all_regions=rng.random() < 0.1, provider_city=rng.choice(CITIES + ["德州市"]))  # fmt: skip
        facts[id] = item
        columns.put(item)
    for id in range(1, 400, 7):
        columns.discard(id)
        del facts[id]
    columns.put(facts[2].__class__(**{**facts[2].__dict__, "price_min": 1, "all_regions": True}))
    facts[2] = facts[2].__class__(**{**facts[2].__dict__, "price_min": 1, "all_regions": True})
    weights = RankingWeights()
    for city in CITIES + ["德州市", "东营市", None]:
        for budget in (None, 20_000, 100_000, 250_000):
            query = make_query(city=city, budget_max=budget)
            expected = sorted(i for i, f in facts.items() if Matcher.passes_filters(query, f, weights))
            found = columns.eligible(query, budget=True, region=True)
            if city is None and budget is None:
                assert found is None
            else:
                assert found.tolist() == expected, (city, budget)
    assert len(columns) == len(facts)


@pytest.fixture(scope="module")
def fixture_matcher() -> Matcher:
    matcher = Matcher(HashingEmbedder(dim=256), labels=LABELS)
    matcher.upsert_many(fixture_catalog(every=6))  # 481 solutions
    return matcher


def test_prefiltered_results_equal_the_widening_search_where_it_reached_the_whole_catalog(fixture_matcher) -> None:
    """The widening search (``prefilter = False``) is exact when it widened to the whole catalog:
    every eligible solution was then a candidate. On those needs both paths agree; elsewhere the
    pre-filtered candidates are the best of every eligible solution, a superset of the widening
    search's (which kept the eligible ones among the best of the whole catalog)."""
    matcher, corpus, exact, wider = fixture_matcher, len(fixture_matcher), 0, 0
    needs = [NeedQuery(text=q.text, budget_max=budget, industry=q.industry, city=q.city, county=q.county)
             for q in fixture_needs(60) for budget in (10_000, 30_000)]  # fmt: skip
    for query in needs:
        eligible = matcher._prefilter(query, False, matcher.weights, 10, 200)[0]
        if eligible is None:
            continue
        old_frontier: dict = {}
        matcher.prefilter = False
        try:
            old = matcher.search(query, top_k=10, frontier=old_frontier)
        finally:
            matcher.prefilter = True
        new_frontier: dict = {}
        new = matcher.search(query, top_k=10, frontier=new_frontier)
        assert new_frontier["eligible"] == len(eligible) >= old_frontier["eligible"]
        if old_frontier["pool"] < corpus:
            wider += 1
            continue
        assert [r.solution.ref for r in new] == [r.solution.ref for r in old], query.text[:20]
        np.testing.assert_allclose([r.score for r in new], [r.score for r in old], rtol=1e-5, atol=1e-6)
        assert new_frontier["eligible"] == old_frontier["eligible"]
        exact += 1
    assert exact >= 30 and wider >= 1, (exact, wider)  # the test compares something


def test_a_filter_leaving_many_solutions_keeps_the_widening_search(fixture_matcher) -> None:
    query = fixture_needs(1)[0]
    wide = NeedQuery(text=query.text, budget_max=10_000_000)  # every solution passes

    assert fixture_matcher._prefilter(wide, False, fixture_matcher.weights, 10, 200)[0] is None


def test_prefiltered_search_keeps_the_best_pool_of_the_eligible_and_flags_its_frontier(hashing) -> None:
    matcher = Matcher(hashing, labels=LABELS)
    cheap = [make_facts(i, price_min=10_000, price_max=20_000) for i in range(1, 31)]
    dear = [make_facts(i, price_min=500_000, price_max=900_000) for i in range(31, 2031)]
    matcher.upsert_many([(f, document_text(f, f"窑炉燃烧控制 天然气节能 第{f.id}号", LABELS)) for f in cheap + dear])
    query = make_query(budget_max=50_000)
    frontier: dict = {}

    results = matcher.search(query, top_k=10, candidate_pool=20, frontier=frontier)

    assert len(results) == 10 and {r.solution.id for r in results} <= {f.id for f in cheap}
    assert frontier["prefiltered"] is True and frontier["eligible"] <= 40
    assert frontier["dense_cut"] > float("-inf")
