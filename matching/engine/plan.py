"""A phased plan for a need: start with what the budget buys now, then the next steps.

The steps are the ranker's own results for the need (its stored matches, plus, for the later
steps only, relevant results of an explicit search that includes solutions over the budget);
nothing here scores relevance again. What this module adds is the order: which categories build
on which (``Dependencies``, read from ``marketplace/catalog/data/steps.json`` by the app), and
the budget arithmetic of the plan.

How a plan is chosen (``plan_for``):

1. The *goal* is the ranker's best answer (the first stored match). When the budget covers it
   whole (its highest price within the budget) and its weeks fit the timeline, the plan is that
   one step: one affordable solution already solves the need.
2. Otherwise every sequence of 2 or 3 relevant candidates (relevance at least ``RELEVANT_SHARE``
   of the goal's, provider serving the need's city, distinct categories) is considered when:
   step 1 can start now (its cheapest offer within the budget, its weeks within the timeline);
   each later step builds directly on an earlier one (an edge ``before -> after``); no step
   comes before a step it depends on, directly or through other edges; one step is of the
   goal's category.
3. The valid plan with the highest value wins: the sum of its steps' ranker scores, each raised
   by ``SAME_PROVIDER_BONUS`` when it continues an earlier step's provider (or
   ``SHARED_CASES_BONUS`` when both solutions run at plants of a common industry), and by
   ``PROVEN_BONUS`` when it is proven in the need's industry or its provider sits in the need's
   county. Ties go to the cheaper plan. Only the ``PER_CATEGORY`` best candidates of each
   category are tried, so a plan costs at most a few thousand orderings.
4. Without a valid phased plan, the plan is the best answer alone, as a start.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .fit import proven_in, region_case
from .types import NeedQuery, RankedResult, Reason

__all__ = [
    "Dependencies",
    "Plan",
    "PlanCandidate",
    "PlanStep",
    "dependencies_from",
    "plan_for",
]

MAX_STEPS = 3
RELEVANT_SHARE = 0.6  # a step's relevance is at least this share of the goal's
PER_CATEGORY = 5  # the best candidates of each category considered (in the ranker's order)
SAME_PROVIDER_BONUS = 0.15
SHARED_CASES_BONUS = 0.05
PROVEN_BONUS = 0.05

# Plan kinds
SINGLE = "single"  # one affordable solution solves the need
PHASED = "phased"  # start now within the budget, then build on it
START = "start"  # no phased plan: the best answer alone, which the budget does not cover whole
EMPTY = "empty"  # no match to plan with

# Reason codes of plan steps (rendered by matching/plans.py; parameters as for match reasons)
SOLVES_NOW = "plan_solves_now"  # {}
START_NOW = "plan_start_now"  # {budget}
START_PARTLY = "plan_start_partly"  # {budget, price_max}: starts within the budget, may exceed it
FOUNDATION = "plan_foundation"  # {step, category}: a later step builds on this one
BUILDS_ON = "plan_builds_on"  # {step, before, after}: the edge's reason says why in this order
LATER_BUDGET = "plan_later_budget"  # {left}: the budget left after the earlier steps (at their
# highest prices) may not cover this step: it is paid for later, once the earlier steps pay back
SAME_PROVIDER = "plan_same_provider"  # {step}
SHARED_CASES = "plan_shared_cases"  # {step, industry}
NO_PHASES = "plan_no_phases"  # {}: nothing relevant builds on it or under it


class Dependencies:
    """Which categories build on which: edges ``(before, after)``. ``requires(after, before)``
    follows edges transitively; a cycle is refused."""

    def __init__(self, edges: Iterable[tuple[str, str]]) -> None:
        self.direct: dict[str, set[str]] = {}
        for before, after in edges:
            if before == after:
                raise ValueError(f"a category cannot build on itself: {before}")
            self.direct.setdefault(after, set()).add(before)
        self._ancestors = {category: self._walk(category) for category in list(self.direct)}
        for category, ancestors in self._ancestors.items():
            if category in ancestors:
                raise ValueError(f"step dependencies have a cycle through {category}")

    def _walk(self, category: str) -> set[str]:
        seen: set[str] = set()
        stack = list(self.direct.get(category, ()))
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self.direct.get(current, ()))
        return seen

    def requires(self, after: str, before: str) -> bool:
        """``after`` builds on ``before``, directly or through other categories."""
        return before in self._ancestors.get(after, ())

    def builds_directly_on(self, after: str, before: str) -> bool:
        return before in self.direct.get(after, ())


@dataclass(frozen=True)
class PlanCandidate:
    """A ranked result the plan may use; ``stored`` is False for one that only an explicit
    search including over-budget solutions returned."""

    result: RankedResult
    stored: bool = True

    @property
    def relevance(self) -> float:
        return float(self.result.components.get("relevance", self.result.score))


@dataclass(frozen=True)
class PlanStep:
    number: int
    candidate: PlanCandidate
    reasons: tuple[Reason, ...]
    builds_on: int | None = None  # the number of the step it builds on

    @property
    def result(self) -> RankedResult:
        return self.candidate.result


@dataclass(frozen=True)
class Plan:
    kind: str
    steps: tuple[PlanStep, ...] = ()
    budget_max: int | None = None
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def total_price_min(self) -> int:
        return sum(s.result.solution.price_min for s in self.steps)

    @property
    def total_price_max(self) -> int:
        return sum(s.result.solution.price_max for s in self.steps)

    @property
    def total_weeks(self) -> int:
        """Weeks to the last step live when the steps follow one another."""
        return sum(s.result.solution.deployment_weeks for s in self.steps)

    def step_of(self, solution_id: int) -> PlanStep | None:
        return next((s for s in self.steps if s.result.solution.id == solution_id), None)


def _covered(query: NeedQuery, result: RankedResult) -> bool:
    """The budget covers the whole price and the weeks fit the timeline."""
    facts = result.solution
    return (query.budget_max is None or facts.price_max <= query.budget_max) and _in_time(query, result)


def _in_time(query: NeedQuery, result: RankedResult) -> bool:
    return query.timeline_weeks is None or result.solution.deployment_weeks <= query.timeline_weeks


def _starts_now(query: NeedQuery, result: RankedResult) -> bool:
    """Its cheapest offer is within the budget and its weeks within the timeline."""
    within = query.budget_max is None or result.solution.price_min <= query.budget_max
    return within and _in_time(query, result)


def _serves(query: NeedQuery, result: RankedResult) -> bool:
    return region_case(query, result.solution) in (None, "county", "city", "province")


def _proven_here(query: NeedQuery, result: RankedResult) -> bool:
    facts = result.solution
    in_industry = query.industry is not None and proven_in(facts, query.industry)
    return in_industry or region_case(query, facts) == "county"


def _shared_industry(first: RankedResult, second: RankedResult, prefer: str | None) -> str | None:
    """An industry where both solutions run at plants (the need's own first)."""
    a, b = first.solution, second.solution
    common = (a.case_industries & b.case_industries) if a.cases and b.cases else frozenset()
    if not common:
        return None
    return prefer if prefer in common else min(common)


def _valid_order(sequence: Sequence[PlanCandidate], deps: Dependencies) -> list[int] | None:
    """For a valid phased order, the index of the step each later step builds on directly."""
    categories = [c.result.solution.category for c in sequence]
    if len(set(categories)) != len(categories):
        return None
    for i, j in itertools.combinations(range(len(categories)), 2):
        if deps.requires(categories[i], categories[j]):  # an earlier step depends on a later one
            return None
    builds_on = []
    for j in range(1, len(categories)):
        earlier = [i for i in range(j) if deps.builds_directly_on(categories[j], categories[i])]
        if not earlier:
            return None
        builds_on.append(earlier[-1])
    return builds_on


def _value(query: NeedQuery, sequence: Sequence[PlanCandidate]) -> float:
    total = 0.0
    for j, candidate in enumerate(sequence):
        result, bonus = candidate.result, 0.0
        earlier = [c.result for c in sequence[:j]]
        if any(e.solution.provider_ref == result.solution.provider_ref for e in earlier):
            bonus += SAME_PROVIDER_BONUS
        elif any(_shared_industry(e, result, query.industry) for e in earlier):
            bonus += SHARED_CASES_BONUS
        if _proven_here(query, result):
            bonus += PROVEN_BONUS
        total += result.score * (1.0 + bonus)
    return total


def _step_reasons(
    query: NeedQuery, sequence: Sequence[PlanCandidate], j: int, builds_on: list[int]
) -> tuple[Reason, ...]:
    result = sequence[j].result
    facts = result.solution
    reasons: list[Reason] = []
    if j == 0:
        if query.budget_max is not None and facts.price_max > query.budget_max:
            reasons.append(Reason(START_PARTLY, {"budget": query.budget_max, "price_max": facts.price_max}))
        else:
            reasons.append(Reason(START_NOW, {"budget": query.budget_max or 0}))
    else:
        before = builds_on[j - 1]
        reasons.append(
            Reason(BUILDS_ON, {"step": before + 1, "before": sequence[before].result.solution.category, "after": facts.category})
        )
        spent = sum(c.result.solution.price_max for c in sequence[:j])
        if query.budget_max is not None and spent + facts.price_max > query.budget_max:
            reasons.append(Reason(LATER_BUDGET, {"left": max(0, query.budget_max - spent)}))
    for k in range(j + 1, len(sequence)):
        if builds_on[k - 1] == j:
            reasons.append(Reason(FOUNDATION, {"step": k + 1, "category": sequence[k].result.solution.category}))
    for i in range(j):
        earlier = sequence[i].result
        if earlier.solution.provider_ref == facts.provider_ref:
            reasons.append(Reason(SAME_PROVIDER, {"step": i + 1}))
            break
        industry = _shared_industry(earlier, result, query.industry)
        if industry:
            reasons.append(Reason(SHARED_CASES, {"step": i + 1, "industry": industry}))
            break
    return tuple(reasons)


def plan_for(
    query: NeedQuery,
    candidates: Sequence[PlanCandidate],
    deps: Dependencies,
    *,
    max_steps: int = MAX_STEPS,
    relevant_share: float = RELEVANT_SHARE,
) -> Plan:
    """The need's plan from its ranked candidates: the stored matches in rank order, then any
    extra results of a search including over-budget solutions (``stored=False``)."""
    if max_steps < 1:
        raise ValueError("max_steps must be >= 1")
    served = [c for c in candidates if _serves(query, c.result)]
    stored = [c for c in served if c.stored and not c.result.over_budget]
    if not stored:
        return Plan(kind=EMPTY, budget_max=query.budget_max)
    goal = stored[0]
    if _covered(query, goal.result):
        step = PlanStep(1, goal, (Reason(SOLVES_NOW),))
        return Plan(kind=SINGLE, steps=(step,), budget_max=query.budget_max)

    floor = relevant_share * goal.relevance
    seen: set[int] = set()
    per_category: dict[str, int] = {}
    pool: list[PlanCandidate] = []
    for candidate in served:
        facts = candidate.result.solution
        if candidate.relevance < floor or facts.id in seen or per_category.get(facts.category, 0) >= PER_CATEGORY:
            continue
        seen.add(facts.id)
        per_category[facts.category] = per_category.get(facts.category, 0) + 1
        pool.append(candidate)
    # A plan may start only with what can be bought now; stored matches are never over budget.
    goal_category = goal.result.solution.category
    best: tuple[float, int, tuple[PlanCandidate, ...], list[int]] | None = None
    for size in range(2, max_steps + 1):
        for sequence in itertools.permutations(pool, size):
            first = sequence[0]
            if not first.stored or not _starts_now(query, first.result):
                continue
            if all(c.result.solution.category != goal_category for c in sequence):
                continue
            builds_on = _valid_order(sequence, deps)
            if builds_on is None:
                continue
            value = _value(query, sequence)
            cost = sum(c.result.solution.price_min for c in sequence)
            key = (value, -cost)
            if best is None or key > (best[0], best[1]):
                best = (value, -cost, sequence, builds_on)
    if best is None:
        step = PlanStep(1, goal, (_first_reason(query, goal.result), Reason(NO_PHASES)))
        return Plan(kind=START, steps=(step,), budget_max=query.budget_max)
    _, _, sequence, builds_on = best
    steps = tuple(
        PlanStep(j + 1, candidate, _step_reasons(query, sequence, j, builds_on), None if j == 0 else builds_on[j - 1] + 1)
        for j, candidate in enumerate(sequence)
    )
    return Plan(kind=PHASED, steps=steps, budget_max=query.budget_max)


def _first_reason(query: NeedQuery, result: RankedResult) -> Reason:
    if query.budget_max is not None and result.solution.price_max > query.budget_max:
        return Reason(START_PARTLY, {"budget": query.budget_max, "price_max": result.solution.price_max})
    return Reason(START_NOW, {"budget": query.budget_max or 0})


def dependencies_from(edges: Iterable[Mapping[str, str]]) -> Dependencies:
    """Dependencies from the data file's edges (``{"before": ..., "after": ...}``)."""
    return Dependencies((edge["before"], edge["after"]) for edge in edges)
