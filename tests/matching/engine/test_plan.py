"""The phased plan: ordering by step dependencies and the budget arithmetic, on small catalogs."""

from __future__ import annotations

import pytest

from matching.engine import plan as planning
from matching.engine.plan import Dependencies, PlanCandidate, plan_for
from matching.engine.types import NeedQuery, RankedResult, SolutionFacts

DEPS = Dependencies([("iot_cloud", "energy"), ("iot_cloud", "digital_twin"), ("energy", "digital_twin"), ("erp", "mes")])
KILN = NeedQuery(text="窑炉", budget_max=150_000, industry="ceramics", city="淄博市", county="博山区", timeline_weeks=8)


def candidate(
    sid: int,
    category: str,
    price: tuple[int, int],
    *,
    weeks: int = 4,
    score: float = 0.5,
    relevance: float = 0.6,
    provider: str | None = None,
    regions: tuple[str, ...] = ("淄博市",),
    cases: int = 0,
    case_industries: tuple[str, ...] = (),
    stored: bool = True,
    over_budget: bool = False,
) -> PlanCandidate:
    facts = SolutionFacts(
        id=sid, ref=f"S{sid}", provider_ref=provider or f"P{sid}", title=f"{category} {sid}", provider_name="x",
        price_min=price[0], price_max=price[1], deployment_weeks=weeks, regions=frozenset(regions),
        provider_city="济南市", cases=cases, case_industries=frozenset(case_industries), category=category,
    )  # fmt: skip
    result = RankedResult(
        rank=sid, solution=facts, score=score, components={"relevance": relevance}, reasons=(), over_budget=over_budget
    )
    return PlanCandidate(result, stored=stored)


def refs(plan) -> list[str]:
    return [step.result.solution.ref for step in plan.steps]


def codes(step) -> list[str]:
    return [reason.code for reason in step.reasons]


def test_a_solution_the_budget_covers_whole_is_a_one_step_plan() -> None:
    brain = candidate(1, "digital_twin", (80_000, 140_000), score=0.7)
    meter = candidate(2, "energy", (40_000, 90_000))
    plan = plan_for(KILN, [brain, meter], DEPS)
    assert plan.kind == planning.SINGLE
    assert refs(plan) == ["S1"]
    assert codes(plan.steps[0]) == [planning.SOLVES_NOW]


def test_a_best_answer_over_the_budget_is_reached_through_its_prerequisite() -> None:
    brain = candidate(1, "digital_twin", (80_000, 180_000), score=0.7, relevance=0.7)
    meter = candidate(2, "energy", (40_000, 90_000), score=0.6, relevance=0.65)
    plan = plan_for(KILN, [brain, meter], DEPS)
    assert plan.kind == planning.PHASED
    assert refs(plan) == ["S2", "S1"]  # the prerequisite first, though it ranks lower
    first, second = plan.steps
    assert codes(first) == [planning.START_NOW, planning.FOUNDATION]
    assert second.builds_on == 1
    assert second.reasons[0].params == {"step": 1, "before": "energy", "after": "digital_twin"}
    # the budget arithmetic: totals add up; after step 1 at its highest price 60,000 is left, short of step 2
    assert (plan.total_price_min, plan.total_price_max, plan.total_weeks) == (120_000, 270_000, 8)
    assert second.reasons[1].code == planning.LATER_BUDGET and second.reasons[1].params == {"left": 60_000}


def test_no_step_comes_before_what_it_depends_on_even_through_other_steps() -> None:
    brain = candidate(1, "digital_twin", (300_000, 500_000), score=0.6, relevance=0.7, stored=False, over_budget=True)
    goal = candidate(2, "energy", (60_000, 200_000), score=0.7, relevance=0.7)
    gateway = candidate(3, "iot_cloud", (20_000, 50_000), score=0.4, relevance=0.5)
    plan = plan_for(KILN, [goal, gateway, brain], DEPS)
    assert refs(plan) == ["S3", "S2", "S1"]
    assert [s.builds_on for s in plan.steps] == [None, 1, 2]
    categories = [s.result.solution.category for s in plan.steps]
    for i, earlier in enumerate(categories):
        for later in categories[i + 1 :]:
            assert not DEPS.requires(earlier, later)
    # the third step is over the budget: shown with its price, never first
    assert plan.steps[2].candidate.stored is False
    assert plan.total_price_max == 750_000


def test_step_one_must_fit_the_budget_and_the_timeline_now() -> None:
    goal = candidate(1, "digital_twin", (80_000, 180_000), score=0.7, relevance=0.7)
    slow = candidate(2, "energy", (40_000, 90_000), weeks=12, relevance=0.7)
    dear = candidate(3, "iot_cloud", (160_000, 200_000), relevance=0.7)
    plan = plan_for(KILN, [goal, slow, dear], DEPS)
    assert plan.kind == planning.START
    assert refs(plan) == ["S1"]
    assert codes(plan.steps[0]) == [planning.START_PARTLY, planning.NO_PHASES]


def test_irrelevant_and_unserved_candidates_are_never_steps() -> None:
    goal = candidate(1, "digital_twin", (80_000, 180_000), score=0.7, relevance=0.7)
    weak = candidate(2, "energy", (40_000, 90_000), relevance=0.2)  # below 0.6 x 0.7
    elsewhere = candidate(3, "iot_cloud", (20_000, 50_000), relevance=0.7, regions=("青岛市",))
    plan = plan_for(KILN, [goal, weak, elsewhere], DEPS)
    assert refs(plan) == ["S1"]
    assert plan.kind == planning.START


def test_an_unserved_best_answer_is_not_the_goal() -> None:
    elsewhere = candidate(1, "energy", (20_000, 50_000), score=0.9, relevance=0.9, regions=("青岛市",))
    local = candidate(2, "energy", (20_000, 50_000), score=0.5, relevance=0.6)
    assert refs(plan_for(KILN, [elsewhere, local], DEPS)) == ["S2"]


def test_steps_of_one_provider_or_of_providers_with_shared_cases_are_preferred() -> None:
    brain = candidate(1, "digital_twin", (80_000, 180_000), score=0.7, relevance=0.7, provider="A")
    other = candidate(2, "energy", (40_000, 90_000), score=0.55, relevance=0.7, provider="B")
    same = candidate(3, "energy", (40_000, 90_000), score=0.5, relevance=0.7, provider="A")
    plan = plan_for(KILN, [brain, other, same], DEPS)
    assert refs(plan) == ["S3", "S1"]
    assert planning.SAME_PROVIDER in codes(plan.steps[1])

    peers = dict(cases=3, case_industries=("ceramics",))
    brain = candidate(1, "digital_twin", (80_000, 180_000), score=0.7, relevance=0.7, **peers)
    stranger = candidate(2, "energy", (40_000, 90_000), score=0.52, relevance=0.7)
    peer = candidate(3, "energy", (40_000, 90_000), score=0.5, relevance=0.7, cases=2, case_industries=("refractory",))
    peer_here = candidate(4, "energy", (40_000, 90_000), score=0.48, relevance=0.7, **peers)
    plan = plan_for(KILN, [brain, stranger, peer, peer_here], DEPS)
    # proven in the need's industry and a shared case beat a slightly higher score
    assert refs(plan) == ["S4", "S1"]
    assert plan.steps[1].reasons[-1].params == {"step": 1, "industry": "ceramics"}


def test_a_plan_has_at_most_three_steps_and_no_match_gives_an_empty_plan() -> None:
    deps = Dependencies([("a", "b"), ("b", "c"), ("c", "d")])
    chain = [candidate(i, c, (10_000, 200_000), relevance=0.7) for i, c in enumerate("dabc", start=1)]
    plan = plan_for(KILN, chain, deps)
    assert len(plan.steps) == 3
    assert [s.result.solution.category for s in plan.steps] in (["a", "b", "c"], ["b", "c", "d"])
    assert plan_for(KILN, [], deps).kind == planning.EMPTY
    assert plan_for(KILN, chain, deps, max_steps=1).kind == planning.START


def test_dependencies_refuse_a_cycle_and_follow_edges_transitively() -> None:
    with pytest.raises(ValueError, match="cycle"):
        Dependencies([("a", "b"), ("b", "c"), ("c", "a")])
    deps = Dependencies([("a", "b"), ("b", "c")])
    assert deps.requires("c", "a") and not deps.builds_directly_on("c", "a")
    assert not deps.requires("a", "c")
