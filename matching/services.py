"""Every write of the matcher, and the one process-wide ``Matcher`` that searches.

The database is the source of truth. The index files under ``MATCHING["INDEX_DIR"]`` are
derived from it; ``IndexState.version`` is bumped on every write (under a row lock), and each
process compares it with the version it loaded, reloading when another process wrote a newer
one. A missing, corrupt or stale index is rebuilt (``AUTO_REBUILD``) or reported with the
command that fixes it; it is never silently ignored.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import AuditEvent, Need
from marketplace.catalog.selectors import solution_list
from matching import jobs, selectors
from matching.calibration import calibration
from matching.engine import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    FitAssessment,
    Matcher,
    NeedQuery,
    RankedResult,
    RankingWeights,
    Reason,
    assess_fit,
    explain,
    get_embedder,
)
from matching.engine.embedders import CachingEmbedder, Embedder
from matching.models import IndexState, Match, MatchLabel, RankingSettings

logger = logging.getLogger(__name__)

Progress = Callable[[Iterable, int, str], Iterable]

INDEX_NEVER_BUILT = "the matching index has not been built yet"
INDEX_UNAVAILABLE = "{reason}. Run `python manage.py build_index` to build it."


class IndexUnavailable(Exception):
    """The index cannot serve and may not be rebuilt here (AUTO_REBUILD is off)."""


def _no_progress(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


class _Loaded:
    """The matcher this process searches, and the index version it was loaded at."""

    lock = threading.RLock()
    version: int | None = None
    matcher: Matcher | None = None
    weights_stamp: str | None = None  # the saved weights the matcher searches with
    weighted: Matcher | None = None

    @classmethod
    def remember(cls, version: int, matcher: Matcher) -> None:
        with cls.lock:
            cls.version, cls.matcher = version, matcher

    @classmethod
    def forget(cls) -> None:
        with cls.lock:
            cls.version, cls.matcher = None, None


def config() -> dict:
    return settings.MATCHING


_embedding_caches: dict[Path, CachingEmbedder] = {}


def embedder() -> Embedder:
    """The configured embedder, remembering vectors in ``CACHE_DIR`` so that a rebuild (or a
    fresh index folder) re-encodes only new solution texts, and re-matching after a catalog
    change re-encodes no unchanged need."""
    inner = get_embedder(config()["EMBEDDING_BACKEND"], config()["EMBEDDING_MODEL"])
    slug = "".join(c if c.isalnum() else "-" for c in inner.identity)
    path = Path(config()["CACHE_DIR"]) / f"embeddings-{slug}.npz"
    with _Loaded.lock:
        if path not in _embedding_caches:
            shipped = config().get("SHIPPED_VECTORS_DIR") or None
            _embedding_caches[path] = CachingEmbedder(inner, path, shipped=shipped)
        return _embedding_caches[path]


def _save_embedding_cache(matcher: Matcher) -> None:
    if isinstance(matcher.embedder, CachingEmbedder):
        matcher.embedder.save()


def weights() -> RankingWeights:
    """The ranking weights in force: those an administrator saved (``RankingSettings``) over
    ``MATCHING["WEIGHTS"]`` over the defaults of ``RankingWeights``."""
    saved = RankingSettings.objects.filter(pk=RankingSettings.SINGLETON).values_list("weights", flat=True).first()
    values = {**config()["WEIGHTS"], **_known_weights(saved or {})}
    return RankingWeights.from_dict(values)


def _known_weights(values: Mapping) -> dict:
    """Saved weights the engine still knows: a renamed weight must not stop every search."""
    known = {f.name for f in dataclasses.fields(RankingWeights)}
    unknown = sorted(set(values) - known)
    if unknown:
        logger.warning("Ignoring saved ranking weights the engine does not know: %s", unknown)
    return {key: value for key, value in values.items() if key in known}


def _weights_stamp() -> str | None:
    """Changes whenever the saved weights change (their save time); None when none are saved."""
    saved_at = RankingSettings.objects.filter(pk=RankingSettings.SINGLETON).values_list("updated_at", flat=True).first()
    return saved_at.isoformat() if saved_at else None


def _with_current_weights(matcher: Matcher) -> Matcher:
    """Give the loaded matcher the weights saved since it was loaded (by any process)."""
    stamp = _weights_stamp()
    if _Loaded.weights_stamp != stamp or matcher is not _Loaded.weighted:
        matcher.weights = weights()
        _Loaded.weights_stamp, _Loaded.weighted = stamp, matcher
    return matcher


WEIGHTS_INVALID = _("排序权重无效：%(error)s")


@transaction.atomic
def ranking_weights_save(*, actor, values: Mapping) -> RankingSettings:
    """Save new ranking weights (every field of ``RankingWeights``; missing ones keep their
    defaults). Every process searches with them from its next search on, and the stored matches
    of open needs are recomputed after the commit."""
    try:
        checked = RankingWeights.from_dict(values)
    except (TypeError, ValueError) as error:
        raise ValidationError(WEIGHTS_INVALID, params={"error": str(error)}) from None
    row, _created = RankingSettings.objects.select_for_update().get_or_create(pk=RankingSettings.SINGLETON)
    previous = dict(row.weights)
    row.weights, row.updated_by = checked.to_dict(), actor
    row.full_clean()
    row.save()
    AuditEvent.objects.create(actor=actor, action="ranking.weights_saved", data={"before": previous, "after": row.weights})
    transaction.on_commit(lambda: jobs.enqueue(need_matches_refresh))
    return row


def index_dir() -> Path:
    return Path(config()["INDEX_DIR"])


def index_build(*, progress: Progress = _no_progress) -> IndexState:
    """Encode every active solution into a fresh index, write its files and bump the version."""
    names = selectors.labels()
    matcher = Matcher(embedder(), labels=names, weights=weights())
    solutions = list(selectors.indexable_solutions())
    matcher.upsert_many(progress(selectors.documents(solutions, names), len(solutions), "Encoding solutions"))
    with transaction.atomic():
        state, _ = IndexState.objects.select_for_update().get_or_create(name=IndexState.SOLUTIONS)
        matcher.save(index_dir())
        state.version += 1
        state.identity = matcher.embedder.identity
        state.recipe = matcher.vectors.recipe
        state.size = len(matcher)
        state.built_at = timezone.now()
        state.save()
    _save_embedding_cache(matcher)
    _Loaded.remember(state.version, matcher)
    return state


def index_built() -> bool:
    """Whether ``build_index`` ever ran: before it, there is no index to keep in step (the first
    build reads every solution)."""
    return IndexState.objects.filter(name=IndexState.SOLUTIONS, version__gt=0).exists()


def get_matcher() -> Matcher:
    """The matcher at the newest index version, loading or (if allowed) rebuilding it."""
    state = IndexState.objects.filter(name=IndexState.SOLUTIONS).first()
    with _Loaded.lock:
        if state is not None and _Loaded.matcher is not None and _Loaded.version == state.version:
            return _with_current_weights(_Loaded.matcher)
        if state is None or state.version == 0:
            return _rebuild_or_fail(INDEX_NEVER_BUILT)
        names = selectors.labels()
        facts = {f.id: f for f in map(selectors.solution_facts, selectors.indexable_solutions())}
        try:
            matcher = Matcher.load(index_dir(), embedder(), facts, labels=names, weights=weights())
        except (IndexMissingError, IndexCorruptError, IndexMismatchError) as error:
            return _rebuild_or_fail(str(error))
        _Loaded.remember(state.version, matcher)
        return _with_current_weights(matcher)


def _rebuild_or_fail(reason: str) -> Matcher:
    if not config()["AUTO_REBUILD"]:
        raise IndexUnavailable(INDEX_UNAVAILABLE.format(reason=reason))
    logger.warning("Rebuilding the matching index: %s", reason)
    index_build()
    assert _Loaded.matcher is not None
    return _with_current_weights(_Loaded.matcher)


def solutions_sync(*, solution_ids: Iterable[int]) -> None:
    """Bring the index up to date for these solutions (created, edited, deactivated or deleted)."""
    ids = set(solution_ids)
    if not ids:
        return
    matcher = get_matcher()
    active = list(selectors.indexable_solutions().filter(pk__in=ids))
    with transaction.atomic():
        state = IndexState.objects.select_for_update().get(name=IndexState.SOLUTIONS)
        if state.version != _Loaded.version:  # another process wrote meanwhile: start from its files
            _Loaded.forget()
            matcher = get_matcher()
        matcher.upsert_many(selectors.documents(active, matcher.labels))
        for solution_id in ids - {s.pk for s in active}:
            matcher.remove(solution_id)
        matcher.save(index_dir())
        state.version += 1
        state.size = len(matcher)
        state.save()
    _save_embedding_cache(matcher)
    _Loaded.remember(state.version, matcher)


def match_query(query: NeedQuery, *, top_k: int | None = None, include_over_budget: bool = False) -> list[RankedResult]:
    return get_matcher().search(
        query,
        top_k=top_k or config()["TOP_K"],
        include_over_budget=include_over_budget,
        fusion=config()["FUSION"],
    )


def need_matches_refresh(*, needs: Iterable[Need] | None = None, progress: Progress = _no_progress) -> int:
    """Recompute and store the top matches of these needs (all open needs by default)."""
    matcher = get_matcher()
    needs = list(selectors.open_needs() if needs is None else needs)
    stored: list[Match] = []
    for need in progress(needs, len(needs), "Matching needs"):
        results = matcher.search(
            selectors.need_query(need), top_k=config()["STORED_MATCHES"], fusion=config()["FUSION"]
        )
        stored += [
            Match(
                need=need,
                solution_id=r.solution.id,
                rank=r.rank,
                score=r.score,
                components=r.components,
                reasons=[reason.as_dict() for reason in r.reasons],
                over_budget=r.over_budget,
            )
            for r in results
        ]
    with transaction.atomic():
        ids = [need.pk for need in needs]
        list(Need.objects.select_for_update().filter(pk__in=ids).values_list("pk"))  # one refresh of a need at a time
        Match.objects.filter(need__in=ids).delete()
        Match.objects.bulk_create(stored, batch_size=1000)
    _save_embedding_cache(matcher)
    return len(needs)


@transaction.atomic
def match_label_set(*, actor, need: Need, solution, grade: int, note: str = "") -> MatchLabel:
    """Record (or revise) a staff judgement of a (need, solution) pair; it feeds the evaluation."""
    label = MatchLabel.objects.filter(need=need, solution=solution).first() or MatchLabel(need=need, solution=solution)
    label.grade, label.note, label.labelled_by = grade, note.strip(), actor
    label.full_clean()
    label.save()
    AuditEvent.objects.create(
        actor=actor, action="match.labelled", need=need, data={"solution": solution.ref, "grade": grade}
    )
    return label


def labelled_qrels() -> dict[str, dict[str, int]]:
    """The staff labels as qrels: need_ref -> solution_ref -> grade."""
    qrels: dict[str, dict[str, int]] = {}
    for need_ref, solution_ref, grade in MatchLabel.objects.values_list("need__ref", "solution__ref", "grade"):
        qrels.setdefault(need_ref, {})[solution_ref] = grade
    return qrels


def fit_compare(*, need: Need, solutions: Iterable) -> list[tuple[FitAssessment, tuple[Reason, ...]]]:
    """How each of these solutions fits the need on budget, industry, region, speed and record,
    with the reasons, for a side-by-side comparison (no retrieval involved)."""
    query = selectors.need_query(need)
    in_force = weights()
    compared = []
    for solution in solutions:
        facts = selectors.solution_facts(solution)
        compared.append((assess_fit(query, facts, in_force), explain(query, facts)))
    return compared


def need_matches(
    *, need: Need, include_over_budget: bool = False, top_k: int | None = None, refresh: bool = False
) -> list[dict]:
    """The need's ranked matches as the pages and the API show them: each result's rank, score,
    components, reasons and over-budget flag, with its ``Solution`` row as ``record``.

    They are the stored ``Match`` rows, the same ones leads and notifications come from. They are
    computed here only when asked (``refresh``) or when an open need has none yet (its job has not
    run). Over-budget solutions are not stored (leads never go to them): asking for them is an
    explicit request and runs a live search. Raises ``IndexUnavailable`` when the index cannot serve."""
    top_k = top_k or config()["TOP_K"]
    if include_over_budget:
        return _live_matches(need, top_k)
    stored = Match.objects.filter(need=need)
    if refresh or (need.status == Need.Status.OPEN and not stored.exists()):
        need_matches_refresh(needs=[need])
    rows = list(stored.order_by("rank")[:top_k])
    return _shown(rows, [m.solution_id for m in rows])


def _live_matches(need: Need, top_k: int) -> list[dict]:
    results = match_query(selectors.need_query(need), top_k=top_k, include_over_budget=True)
    return _shown(results, [r.solution.id for r in results])


def _shown(results: list, solution_ids: list[int]) -> list[dict]:
    """Stored matches or live results (both carry rank, score, components, reasons and the
    over-budget flag) beside their solution rows, with the calibrated probability that the
    solution is relevant and whether that makes it a strong match (``calibration.py``)."""
    records = solution_list().in_bulk(solution_ids)
    calibrated = calibration()
    return [
        {
            "rank": r.rank,
            "score": r.score,
            "probability": calibrated.probability(r.score),
            "strong": calibrated.is_strong(r.score),
            "components": r.components,
            "reasons": r.reasons,
            "over_budget": r.over_budget,
            "record": records[solution_id],
        }
        for r, solution_id in zip(results, solution_ids)
        if solution_id in records
    ]
