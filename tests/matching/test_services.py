"""The matcher's Django shell with the small deterministic embedder: building, serving, keeping
the index in step with the catalog, stored matches and leads."""
from __future__ import annotations

import pytest

from marketplace.models import Need, Provider, Solution
from matching import services
from matching.engine import NeedQuery
from matching.models import IndexState, Lead, Match
from tests.marketplace.factories import NeedFactory, SolutionFactory

KILN_QUERY = NeedQuery(
    text="窑炉温度全靠老师傅看火，天然气费用一年比一年高", budget_max=200_000, industry="ceramics", city="淄博市", county="博山区"
)


def refs(results) -> list[str]:
    return [r.solution.ref for r in results]


def test_build_writes_versioned_files_and_state(built, settings):
    assert (built.version, built.size) == (1, 4)
    assert built.identity.startswith("hashing")
    assert {p.name for p in (services.index_dir()).iterdir()} >= {"vectors.idx", "lexical.npz"}


def test_kiln_need_ranks_the_affordable_kiln_brain_first(built):
    results = services.match_query(KILN_QUERY)

    assert refs(results)[0] == "S-KILN"
    assert "S-KILN-PRICEY" not in refs(results)  # price_min 900,000 > budget 200,000
    assert "报价在预算内" in results[0].reasons_zh


def test_over_budget_shown_only_on_request_and_flagged(built):
    results = services.match_query(KILN_QUERY, include_over_budget=True)

    pricey = next(r for r in results if r.solution.ref == "S-KILN-PRICEY")
    assert pricey.over_budget is True
    assert refs(results).index("S-KILN") < refs(results).index("S-KILN-PRICEY")


def test_new_solution_is_found_without_a_rebuild(built, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        SolutionFactory(ref="S-NEW-KILN", title="陶瓷窑炉看火机器人", description="窑炉温度 老师傅看火 天然气 节能")

    assert "S-NEW-KILN" in refs(services.match_query(KILN_QUERY))
    assert IndexState.objects.get().version == 2


def test_edit_and_deactivate_change_results_without_a_rebuild(built, django_capture_on_commit_callbacks):
    kiln = Solution.objects.get(ref="S-KILN")
    with django_capture_on_commit_callbacks(execute=True):
        kiln.price_min, kiln.price_max = 500_000, 600_000
        kiln.save()
    assert "S-KILN" not in refs(services.match_query(KILN_QUERY))

    with django_capture_on_commit_callbacks(execute=True):
        kiln.price_min, kiln.price_max = 80_000, 180_000
        kiln.save()
    assert refs(services.match_query(KILN_QUERY))[0] == "S-KILN"

    with django_capture_on_commit_callbacks(execute=True):
        kiln.is_active = False
        kiln.save()
    assert "S-KILN" not in refs(services.match_query(KILN_QUERY, include_over_budget=True))


def test_import_of_changed_rows_updates_the_index(built, run_command, write_file, django_capture_on_commit_callbacks):
    from tests.marketplace.files import catalog_rows, csv_bytes
    from tests.matching.conftest import EXTRA_ROWS

    rows = catalog_rows(price_min="500000", price_max="600000") + EXTRA_ROWS
    with django_capture_on_commit_callbacks(execute=True):
        assert run_command("import_catalog", str(write_file("edit.csv", csv_bytes(rows)))).returncode == 0

    assert "S-KILN" not in refs(services.match_query(KILN_QUERY))


def test_missing_index_files_are_rebuilt(built):
    for path in services.index_dir().iterdir():
        path.unlink()
    services._Loaded.forget()

    assert refs(services.match_query(KILN_QUERY))[0] == "S-KILN"
    assert IndexState.objects.get().version == 2


def test_missing_index_files_without_auto_rebuild_say_what_to_do(built, settings):
    settings.MATCHING = {**settings.MATCHING, "AUTO_REBUILD": False}
    (services.index_dir() / "vectors.idx").unlink()
    services._Loaded.forget()

    with pytest.raises(services.IndexUnavailable) as error:
        services.get_matcher()

    assert str(error.value).endswith("Run `python manage.py build_index` to build it.")


def test_a_newer_version_written_elsewhere_is_reloaded(built):
    first = services.get_matcher()
    IndexState.objects.filter(name=IndexState.SOLUTIONS).update(version=7)  # another process rebuilt

    assert services.get_matcher() is not first


def test_refresh_stores_explained_matches_for_open_needs(built):
    assert services.need_matches_refresh() == 1

    stored = list(Match.objects.filter(need__ref="N-1").order_by("rank"))
    assert stored[0].solution.ref == "S-KILN"
    assert stored[0].reasons_zh and "budget_fit" in stored[0].components
    assert [m.rank for m in stored] == list(range(1, len(stored) + 1))


def test_editing_a_need_refreshes_its_matches(built, django_capture_on_commit_callbacks):
    services.need_matches_refresh()
    need = Need.objects.get(ref="N-1")
    before = {m.solution.ref: m.score for m in Match.objects.filter(need=need)}
    with django_capture_on_commit_callbacks(execute=True):
        need.title, need.description = "车间扫码报工", "服装订单进度看不清，想让工人扫码报工，看板显示进度"
        need.save()

    after = {m.solution.ref: m.score for m in Match.objects.filter(need=need)}
    # The need no longer talks about kilns. (The garment MES is not offered: its provider does
    # not serve 淄博市, the need's city.)
    assert after.get("S-KILN", 0.0) < before["S-KILN"]
    assert "S-MES" not in after


def test_leads_respect_each_providers_monthly_capacity(built):
    Provider.objects.update(lead_capacity=1)
    for _ in range(3):
        NeedFactory(description="窑炉温度全靠老师傅看火，天然气费用一年比一年高")
    services.need_matches_refresh()

    created = services.leads_allocate()

    per_provider = {p.ref: p.leads.count() for p in Provider.objects.all()}
    assert created == sum(per_provider.values()) > 0
    assert max(per_provider.values()) == 1
    assert services.leads_allocate() == 0  # needs that already have leads are not offered again
    assert Lead.objects.filter(need__ref="N-1").exists()


def test_rebuild_reuses_cached_passage_vectors(built):
    cache = services.embedder()
    assert len(cache) == 3 and cache.path.exists()  # S-KILN-PRICEY repeats S-KILN's text
    calls = []
    inner_encode = cache.inner.encode_passages
    cache.inner.encode_passages = lambda texts: calls.append(len(texts)) or inner_encode(texts)
    try:
        services.index_build()
    finally:
        cache.inner.encode_passages = inner_encode

    assert calls == []  # nothing re-encoded
    assert refs(services.match_query(KILN_QUERY))[0] == "S-KILN"


def test_a_rolled_back_write_does_not_silence_later_ones(built, django_capture_on_commit_callbacks):
    from django.db import transaction

    kiln = Solution.objects.get(ref="S-KILN")
    with pytest.raises(RuntimeError), transaction.atomic():
        kiln.title = "never saved"
        kiln.save()
        raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True):
        kiln.refresh_from_db()
        kiln.price_min, kiln.price_max = 500_000, 600_000
        kiln.save()

    assert "S-KILN" not in refs(services.match_query(KILN_QUERY))


def test_admin_lists_stored_matches(built, client):
    from tests.marketplace.factories import UserFactory

    services.need_matches_refresh()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/admin/matching/match/?q=N-1")

    assert response.status_code == 200
    assert "窑炉智慧大脑" in response.content.decode()
    assert client.get("/admin/matching/lead/").status_code == 200
    assert client.get("/admin/matching/indexstate/").status_code == 200
