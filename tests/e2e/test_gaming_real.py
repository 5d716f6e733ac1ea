"""Issue 13, finding 8, as an attacker plays it with the real model, index and database: a new
"other"-tier provider lists a solution whose text copies the kiln need's words, claims every
industry and region, cases in every industry and thousands of them (unverified), and a low price.
It must not rank first over the real kiln brain for that need; once staff verify the brain's
cases, the brain's lead only grows."""
from __future__ import annotations

import json

import pytest

from marketplace.catalog.models import Industry, Provider, Solution
from marketplace.docking.services import solutions
from tests.e2e.test_matching_real import KILN_NEED, kiln_catalog  # noqa: F401  (the fixture)
from tests.marketplace.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

NEED_WORDS = "窑炉温度全靠老师傅看火，天然气费用一年比一年高"


def _stuffed(brain: Solution) -> Solution:
    provider = Provider.objects.create(ref="P-STUFF", name="济南万能数字科技有限公司", city_id="济南市", tier_id="other")
    owner = UserFactory(provider=provider)
    return solutions.solution_create(
        actor=owner, provider=provider, title=f"窑炉温度 老师傅看火 天然气费用 {NEED_WORDS}", category=brain.category,
        description="。".join([NEED_WORDS] * 4), price_min=20_000, price_max=60_000, deployment_weeks=1,
        delivery_mode=brain.delivery_mode, all_industries=True, all_regions=True, cases=5_000,
        case_industries=list(Industry.objects.all()),
    )  # fmt: skip


def _ranked(run_command) -> list[dict]:
    result = run_command("match", *KILN_NEED, "--top", "20")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["results"]


def _where(results: list[dict], ref: str) -> tuple[int, float]:
    found = next(r for r in results if r["solution_ref"] == ref)
    return found["rank"], found["score"]


def test_a_solution_stuffed_with_the_need_s_words_and_claims_does_not_outrank_the_kiln_brain(
    kiln_catalog, run_command, django_capture_on_commit_callbacks  # noqa: F811
):
    brain = Solution.objects.get(ref="S00010")
    with django_capture_on_commit_callbacks(execute=True):
        stuffed = _stuffed(brain)

    results = _ranked(run_command)
    brain_at, stuffed_at = _where(results, brain.ref), _where(results, stuffed.ref)
    print(f"\nunverified brain: brain {brain_at}, stuffed {stuffed_at}")
    assert results[0]["solution_ref"] == brain.ref
    assert brain_at[1] > stuffed_at[1]
    stuffed_row = next(r for r in results if r["solution_ref"] == stuffed.ref)
    assert stuffed_row["explanation"]["track_record"] < 0.7  # 5,000 unverified cases are not a full record

    with django_capture_on_commit_callbacks(execute=True):
        solutions.solution_cases_verify(actor=UserFactory(is_staff=True), solutions=[brain])
    verified = _ranked(run_command)
    print(f"verified brain: brain {_where(verified, brain.ref)}, stuffed {_where(verified, stuffed.ref)}")
    assert verified[0]["solution_ref"] == brain.ref
    assert _where(verified, brain.ref)[1] - _where(verified, stuffed.ref)[1] > brain_at[1] - stuffed_at[1]
