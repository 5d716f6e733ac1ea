"""A need's phased plan (README "Phased plans"): up to three of its matches, ordered by the step
dependencies of ``marketplace/catalog/data/steps.json``, starting with what the budget buys now.

The steps come from the ranker: the need's stored ``Match`` rows (the ones the page, the API and
the leads show) and, only when the budget cannot cover the best answer whole, an explicit search
that includes solutions over the budget, for the later steps. The ordering and the budget
arithmetic are the engine's (``matching/engine/plan.py``); this module reads, caches and renders
them in the reader's language.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from marketplace.catalog.models import Category, Industry, Need, Solution
from marketplace.catalog.selectors import solution_list
from marketplace.catalog.steps import edge_reason, step_edges
from marketplace.catalog.templatetags.marketplace_ui import money
from matching import selectors, services
from matching.engine import RankedResult, Reason
from matching.engine import plan as planning
from matching.engine.plan import Dependencies, Plan, PlanCandidate, dependencies_from
from matching.models import IndexState, Match

LIVE_TOP_K = 30  # results of the search including over-budget solutions, for the later steps
CACHE_SECONDS = 600

HEADLINES = {
    planning.SINGLE: _("一个方案即可在预算和工期内解决，无需分步"),
    planning.PHASED: ngettext_lazy(
        "分%(count)s步实施：先用预算内的方案起步，见效后再逐步扩展",
        "分%(count)s步实施：先用预算内的方案起步，见效后再逐步扩展",
        "count",
    ),
    planning.START: _("暂无可分步的方案，建议从最匹配的方案起步"),
    planning.EMPTY: _("暂无可用于规划的匹配方案"),
}

MESSAGES = {
    planning.SOLVES_NOW: _("预算内即可完整解决这个需求，一步到位"),
    planning.START_NOW: _("预算内、工期内，现在即可启动"),
    planning.START_PARTLY: _("起步价在预算内，现在即可启动（最高报价%(price_max)s，超出预算%(budget)s）"),
    planning.FOUNDATION: _("为第%(step)s步「%(category)s」打基础"),
    planning.BUILDS_ON: _("建立在第%(step)s步之上：%(reason)s"),
    planning.LATER_BUDGET: _("前面各步之后预算最多剩%(left)s，这一步可在前面见效后再投入"),
    planning.SAME_PROVIDER: _("与第%(step)s步同一服务商，衔接顺畅"),
    planning.SHARED_CASES: _("与第%(step)s步的服务商都在%(industry)s行业有落地案例"),
    planning.NO_PHASES: _("相关匹配中没有可与之前后衔接的方案"),
}


@functools.cache
def dependencies() -> Dependencies:
    return dependencies_from(step_edges())


def _cache_key(need: Need) -> str:
    stamp = Match.objects.filter(need=need).aggregate(at=Max("computed_at"))["at"]
    version = IndexState.objects.filter(name=IndexState.SOLUTIONS).values_list("version", flat=True).first()
    return f"matching:plan:{need.pk}:{need.updated_at.timestamp()}:{stamp.timestamp() if stamp else 0}:{version}"


def need_plan(*, need: Need) -> Plan:
    """The need's plan (cached until its matches, the need or the index change). Raises
    ``services.IndexUnavailable`` when the index cannot serve."""
    rows = services.need_matches(need=need, top_k=services.config()["STORED_MATCHES"])
    key = _cache_key(need)
    cached = cache.get(key)
    if cached is not None:
        return cached
    query = selectors.need_query(need)
    facts = {s.pk: selectors.solution_facts(s) for s in selectors.indexable_solutions().filter(pk__in=[r["record"].pk for r in rows])}
    stored = [
        PlanCandidate(
            RankedResult(
                rank=row["rank"],
                solution=facts[row["record"].pk],
                score=row["score"],
                components=row["components"],
                reasons=tuple(Reason.from_dict(r) for r in row["reasons"]),
                over_budget=row["over_budget"],
            )
        )
        for row in rows
        if row["record"].pk in facts
    ]
    plan = planning.plan_for(query, stored, dependencies())
    if plan.kind not in (planning.SINGLE, planning.EMPTY):
        known = {c.result.solution.id for c in stored}
        live = services.match_query(query, top_k=LIVE_TOP_K, include_over_budget=True)
        extra = [PlanCandidate(r, stored=False) for r in live if r.solution.id not in known]
        plan = planning.plan_for(query, stored + extra, dependencies())
    cache.set(key, plan, CACHE_SECONDS)
    return plan


@dataclass(frozen=True)
class LeadStep:
    """Where a provider stands in a need's plan: its step (number, solution) of how many."""

    number: int
    count: int
    solution_ref: str
    solution_title: str

    @property
    def first(self) -> bool:
        return self.number == 1


def provider_step(*, need: Need, provider_ref: str) -> LeadStep | None:
    """The first step of the need's plan offered by this provider, if any (for its lead). A
    plan of one step that solves the need counts too (step 1 of 1)."""
    try:
        plan = need_plan(need=need)
    except services.IndexUnavailable:
        return None
    step = next((s for s in plan.steps if s.result.solution.provider_ref == provider_ref), None)
    if step is None:
        return None
    facts = step.result.solution
    return LeadStep(number=step.number, count=len(plan.steps), solution_ref=facts.ref, solution_title=facts.title)


# Rendering, in the active language


@functools.cache
def _names() -> tuple[dict, dict]:
    categories = {c: (zh, en) for c, zh, en in Category.objects.values_list("code", "name_zh", "name_en")}
    industries = {c: (zh, en) for c, zh, en in Industry.objects.values_list("code", "name_zh", "name_en")}
    return categories, industries


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def category_name(code: str) -> str:
    zh, en = _names()[0].get(code, (code, code))
    return en if _english() else zh


def _params(reason: Reason) -> dict:
    params = dict(reason.params)
    language = translation.get_language() or "zh-hans"
    for name in ("budget", "left", "price_max"):
        if name in params:
            params[name] = money(params[name])
    if "category" in params:
        params["category"] = category_name(params["category"])
    if "industry" in params:
        zh, en = _names()[1].get(params["industry"], (params["industry"],) * 2)
        params["industry"] = en.lower() if _english() else zh
    if reason.code == planning.BUILDS_ON:
        params["reason"] = edge_reason(params["before"], params["after"], language) or ""
    return params


def render(reasons: Iterable[Reason]) -> list[str]:
    return [str(MESSAGES[r.code] % _params(r)) for r in reasons if r.code in MESSAGES]


def headline(plan: Plan) -> str:
    return str(HEADLINES[plan.kind] % {"count": len(plan.steps)})


@dataclass(frozen=True)
class ShownStep:
    """A step as the pages and the API show it."""

    number: int
    record: Solution
    price_min: int
    price_max: int
    weeks: int
    now: bool
    over_budget: bool
    stored: bool
    builds_on: int | None
    reason_codes: tuple[Reason, ...]

    @property
    def reasons(self) -> list[str]:
        return render(self.reason_codes)

    @property
    def reasons_zh(self) -> list[str]:
        with translation.override("zh-hans"):
            return self.reasons

    @property
    def reasons_en(self) -> list[str]:
        with translation.override("en"):
            return self.reasons


def shown_steps(plan: Plan) -> list[ShownStep]:
    records = solution_list().in_bulk([s.result.solution.id for s in plan.steps])
    return [
        ShownStep(
            number=step.number,
            record=records[step.result.solution.id],
            price_min=step.result.solution.price_min,
            price_max=step.result.solution.price_max,
            weeks=step.result.solution.deployment_weeks,
            now=step.number == 1,
            over_budget=step.result.over_budget,
            stored=step.candidate.stored,
            builds_on=step.builds_on,
            reason_codes=step.reasons,
        )
        for step in plan.steps
        if step.result.solution.id in records
    ]
