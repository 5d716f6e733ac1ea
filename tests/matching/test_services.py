"""The matcher's Django shell with the small deterministic embedder: building, serving, stored
matches. Keeping them in step with the catalog's writes: tests/marketplace/docking/test_sync.py."""
from __future__ import annotations

import pytest

from matching import services
from matching.engine import NeedQuery, Reason
from matching.engine.embedders import HashingEmbedder
from matching.models import IndexState, Match, SolutionVector

KILN_QUERY = NeedQuery(
    text="窑炉温度全靠老师傅看火，天然气费用一年比一年高", budget_max=200_000, industry="ceramics", city="淄博市", county="博山区"
)


def refs(results) -> list[str]:
    return [r.solution.ref for r in results]


def test_build_stores_every_vector_with_its_model_and_text_and_bumps_the_version(built):
    assert (built.version, built.size) == (1, 4)
    assert built.identity.startswith("hashing")
    rows = list(SolutionVector.objects.all())
    assert len(rows) == 4
    assert {row.identity for row in rows} == {built.identity}
    assert all(len(bytes(row.vector)) == 4 * 256 and len(row.text_hash) == 64 for row in rows)


def test_kiln_need_ranks_the_affordable_kiln_brain_first(built):
    results = services.match_query(KILN_QUERY)

    assert refs(results)[0] == "S-KILN"
    assert "S-KILN-PRICEY" not in refs(results)  # price_min 900,000 > budget 200,000
    assert Reason("within_budget") in results[0].reasons


def test_over_budget_shown_only_on_request_and_flagged(built):
    results = services.match_query(KILN_QUERY, include_over_budget=True)

    pricey = next(r for r in results if r.solution.ref == "S-KILN-PRICEY")
    assert pricey.over_budget is True
    assert refs(results).index("S-KILN") < refs(results).index("S-KILN-PRICEY")


def test_import_of_changed_rows_updates_the_index(built, run_command, write_file, django_capture_on_commit_callbacks):
    from tests.marketplace.files import catalog_rows, csv_bytes
    from tests.matching.conftest import EXTRA_ROWS

    rows = catalog_rows(price_min="500000", price_max="600000") + EXTRA_ROWS
    with django_capture_on_commit_callbacks(execute=True):
        assert run_command("import_catalog", str(write_file("edit.csv", csv_bytes(rows)))).returncode == 0

    assert "S-KILN" not in refs(services.match_query(KILN_QUERY))


def test_a_fresh_process_loads_the_index_from_stored_vectors_without_encoding(built, monkeypatch):
    services._Loaded.forget()  # as a process that just started
    monkeypatch.setattr(HashingEmbedder, "encode_passages", lambda self, texts: pytest.fail("encoded"))

    assert refs(services.match_query(KILN_QUERY))[0] == "S-KILN"
    assert IndexState.objects.get().version == 1


def test_an_index_never_built_without_auto_rebuild_says_what_to_do(db, settings):
    settings.MATCHING = {**settings.MATCHING, "AUTO_REBUILD": False}

    with pytest.raises(services.IndexUnavailable) as error:
        services.get_matcher()

    assert str(error.value).endswith("Run `python manage.py build_index` to build it.")


def test_a_process_behind_refreshes_only_the_changed_rows_from_the_store(built, monkeypatch):
    from marketplace.catalog.models import Solution

    first = services.get_matcher()
    kiln = Solution.objects.get(ref="S-KILN")
    kiln.is_active = False
    kiln.save()
    services.solutions_sync(solution_ids=[kiln.pk])  # as a worker would, in another process
    services._Loaded.version = 1  # this process still holds version 1
    monkeypatch.setattr(HashingEmbedder, "encode_passages", lambda self, texts: pytest.fail("encoded"))

    assert services.get_matcher() is first  # refreshed in place
    assert "S-KILN" not in refs(services.match_query(KILN_QUERY))


def test_a_newer_version_written_elsewhere_is_reloaded(built):
    first = services.get_matcher()
    IndexState.objects.filter(name=IndexState.SOLUTIONS).update(version=7)  # another process rebuilt

    assert services.get_matcher() is first  # nothing changed in the store: refreshed in place
    assert services._Loaded.version == 7


def test_refresh_stores_explained_matches_for_open_needs(built):
    assert services.need_matches_refresh() == 1

    stored = list(Match.objects.filter(need__ref="N-1").order_by("rank"))
    assert stored[0].solution.ref == "S-KILN"
    assert stored[0].reasons[0] == {"code": "partly_over_budget", "params": {"price_max": 180_000}}  # JSON, no words
    assert "budget_fit" in stored[0].components
    assert [m.rank for m in stored] == list(range(1, len(stored) + 1))


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


def test_admin_lists_stored_matches(built, client):
    from tests.marketplace.factories import UserFactory

    services.need_matches_refresh()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/admin/matching/match/?q=N-1")

    assert response.status_code == 200
    assert "窑炉智慧大脑" in response.content.decode()
    assert client.get("/admin/docking/lead/").status_code == 200
    assert client.get("/admin/matching/indexstate/").status_code == 200


def test_a_build_takes_the_shipped_term_counts_of_a_text_and_segments_the_others(catalog, settings, tmp_path):
    from marketplace.catalog.models import Solution
    from matching import selectors, store, vectors
    from matching.engine import termfile

    documents = dict(
        (facts.id, text) for facts, text in selectors.documents(selectors.indexable_solutions(), selectors.labels())
    )
    kiln = Solution.objects.get(ref="S-KILN").pk
    identity = vectors.tokenizer().identity
    termfile.write_terms(tmp_path / termfile.file_name(identity), identity, {store.text_hash(documents[kiln]): {"shipped": 7}})
    settings.MATCHING = {**settings.MATCHING, "SHIPPED_VECTORS_DIR": str(tmp_path)}
    vectors._shipped_terms.clear()
    try:
        services.index_build()
    finally:
        vectors._shipped_terms.clear()

    terms = dict(SolutionVector.objects.values_list("solution_id", "terms"))
    same_text = [pk for pk in terms if documents[pk] == documents[kiln]]
    assert same_text and all(terms[pk] == {"shipped": 7} for pk in same_text)  # from the file, not segmented
    others = [pk for pk in terms if pk not in same_text]
    assert others and all(terms[pk] and "shipped" not in terms[pk] for pk in others)
