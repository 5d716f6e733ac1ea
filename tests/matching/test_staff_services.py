"""Saved ranking weights (the weights preview writes nothing; a save changes the ranking in every
process), and the label flow behind the review queue and the dashboard."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from marketplace.catalog.models import AuditEvent, Need, Solution, User
from marketplace.docking import metrics
from matching import quality, services
from matching.engine import RankingWeights
from matching.evaluation import VARIANTS
from matching.models import Match, MatchLabel, RankingSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db) -> User:
    return User.objects.create_user("ops", password="x", is_staff=True)


@pytest.fixture
def matched(built):
    cache.clear()
    services.need_matches_refresh()
    yield Need.objects.get(ref="N-1")
    cache.clear()


def refs(need: Need) -> list[str]:
    return [r.solution.ref for r in services.match_query(quality.selectors.need_query(need))]


def test_weights_default_to_the_settings(settings, db):
    settings.MATCHING = {**settings.MATCHING, "WEIGHTS": {"budget": 0.7}}

    assert services.weights() == RankingWeights(budget=0.7)


def test_saved_weights_override_the_settings_and_are_audited(settings, admin):
    settings.MATCHING = {**settings.MATCHING, "WEIGHTS": {"budget": 0.7, "tier": 0.2}}

    row = services.ranking_weights_save(actor=admin, values={**RankingWeights().to_dict(), "budget": 0.4})

    assert row.updated_by == admin and row.weights["budget"] == 0.4
    assert services.weights().budget == 0.4
    assert services.weights().tier == 0.05  # the saved row holds every weight
    event = AuditEvent.objects.get(action="ranking.weights_saved")
    assert event.data["after"]["budget"] == 0.4


@pytest.mark.parametrize(
    "values",
    [{"budget": -1}, {"relevance_floor": 2}, {"no_such_weight": 1}, {"category_feedback_depth": 0}, {"budget": float("nan")}],
)
def test_invalid_weights_are_refused_and_nothing_is_saved(admin, values):
    with pytest.raises(ValidationError) as error:
        services.ranking_weights_save(actor=admin, values=values)

    assert "排序权重无效" in str(error.value)
    assert not RankingSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="ranking.weights_saved").exists()


def test_saved_weights_the_engine_no_longer_knows_are_ignored(admin):
    RankingSettings.objects.create(weights={"budget": 0.4, "renamed_weight": 3})

    assert services.weights() == RankingWeights(budget=0.4)


def test_a_save_changes_the_ranking_of_the_loaded_matcher(matched, admin):
    matcher = services.get_matcher()
    assert "S-MES" not in refs(matched)  # serves 青岛 only: filtered out for a 淄博 need

    services.ranking_weights_save(actor=admin, values={"hard_region_filter": False})

    assert services.get_matcher() is matcher  # no reload of the index, only the weights
    assert matcher.weights.hard_region_filter is False
    assert "S-MES" in refs(matched)  # now only penalised


def test_another_process_picks_up_a_save_by_the_stamp(matched, admin):
    services.get_matcher()
    # Another process saves: the row changes without this process's service being called.
    RankingSettings.objects.create(weights={"hard_region_filter": False})

    assert services.get_matcher().weights.hard_region_filter is False


def test_a_save_recomputes_the_stored_matches_after_the_commit(matched, admin, django_capture_on_commit_callbacks):
    assert not Match.objects.filter(need=matched, solution__ref="S-MES").exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.ranking_weights_save(actor=admin, values={"hard_region_filter": False})

    assert Match.objects.filter(need=matched, solution__ref="S-MES").exists()


def test_a_preview_changes_nothing(matched, admin):
    matcher = services.get_matcher()
    before_weights = matcher.weights
    before_matches = list(Match.objects.values_list("need", "solution", "rank", "score"))
    before_refs = refs(matched)

    preview = quality.weights_preview(proposed=RankingWeights(hard_region_filter=False, budget=0.0, relevance_floor=0.4))

    assert [change.metric for change in preview["dev"]] == list(quality.METRICS)
    assert preview["needs"]["dev"] == 84  # fixtures/dev: D001-D084
    assert preview["labels"] is None  # nothing labelled yet
    assert services.get_matcher().weights == before_weights
    assert not RankingSettings.objects.exists()
    assert list(Match.objects.values_list("need", "solution", "rank", "score")) == before_matches
    assert refs(matched) == before_refs


def test_a_preview_with_the_current_weights_shows_no_change(matched):
    preview = quality.weights_preview(proposed=services.weights())

    assert all(change.delta == 0 and change.better is None for change in preview["dev"])


def test_a_preview_scores_the_labels_too(matched, admin):
    match = Match.objects.filter(need=matched).order_by("rank").first()
    services.match_label_set(actor=admin, need=matched, solution=match.solution, grade=2)

    preview = quality.weights_preview(proposed=RankingWeights(hard_region_filter=False))

    assert preview["needs"]["labels"] == 1
    assert {c.metric for c in preview["labels"]} == set(quality.METRICS)


# ---------------------------------------------------------------------- labels


def test_labelling_leaves_the_queue_and_moves_the_label_figures(matched, admin):
    queue = list(quality.review_queue())
    first = queue[0]
    assert quality.label_summary() == {"total": 0, "grades": {2: 0, 1: 0, 0: 0}, "useful_share": None}
    report = quality.evaluation_report()
    assert report["labels"] is None and len(report["dev"]) == len(VARIANTS) and report["cached"] is False

    services.match_label_set(actor=admin, need=first.need, solution=first.solution, grade=0, note="不同的问题")

    assert first.pk not in {m.pk for m in quality.review_queue()}
    assert quality.review_queue().count() == len(queue) - 1
    assert quality.label_summary() == {"total": 1, "grades": {2: 0, 1: 0, 0: 1}, "useful_share": 0.0}
    report = quality.evaluation_report()
    assert report["cached"] is False  # a new labels stamp: computed again
    assert [row["needs"] for row in report["labels"]] == [1] * len(VARIANTS)
    assert [s.ref for s in quality.irrelevant_solutions()] == [first.solution.ref]
    assert quality.evaluation_report()["cached"] is True


def test_relabelling_a_pair_replaces_the_label(matched, admin):
    solution = Solution.objects.get(ref="S-KILN")
    services.match_label_set(actor=admin, need=matched, solution=solution, grade=0)
    services.match_label_set(actor=admin, need=matched, solution=solution, grade=2, note="再看是对的")

    label = MatchLabel.objects.get()
    assert (label.grade, label.note) == (2, "再看是对的")
    assert not quality.irrelevant_solutions().exists()


def test_the_evaluation_cache_follows_the_index_version_and_the_weights(matched, admin):
    assert quality.evaluation_report()["cached"] is False
    assert quality.evaluation_report()["cached"] is True

    services.ranking_weights_save(actor=admin, values={"budget": 0.5})
    assert quality.evaluation_report()["cached"] is False

    services.solutions_sync(solution_ids=[Solution.objects.get(ref="S-MES").pk])
    assert quality.evaluation_report()["cached"] is False


def test_coverage_and_uncovered_needs(matched):
    Match.objects.filter(need=matched).update(over_budget=True)

    assert quality.coverage() == {"open_needs": 1, "covered": 0, "share": 0.0}
    assert list(quality.uncovered_needs()) == [matched]
    assert metrics.funnel()[1] == {"key": "matched", "count": 0, "share": 0.0}


def test_the_development_set_is_read_from_the_folder_the_settings_name(settings, tmp_path):
    (tmp_path / "needs.csv").write_bytes((settings.BASE_DIR / "fixtures" / "dev" / "needs.csv").read_bytes())
    (tmp_path / "qrels.csv").write_text("need_ref,solution_ref,grade\nD001,S00010,2\nD002,S00013,1\n", encoding="utf-8")
    settings.MATCHING = {**settings.MATCHING, "DEV_SET_DIR": tmp_path}
    queries, qrels = quality.dev_set()
    assert qrels == {"D001": {"S00010": 2}, "D002": {"S00013": 1}}
    assert "D001" in queries
    settings.MATCHING = {**settings.MATCHING, "DEV_SET_DIR": tmp_path / "missing"}
    assert quality.dev_set() is None
