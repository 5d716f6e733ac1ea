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

from marketplace.models import AuditEvent, Need, Provider
from marketplace.services import notifications
from matching import jobs, selectors
from matching.engine import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    LeadCandidate,
    Matcher,
    NeedQuery,
    RankedResult,
    RankingWeights,
    allocate_leads,
    get_embedder,
)
from matching.engine.embedders import CachingEmbedder, Embedder
from matching.engine.ranker import FitAssessment, assess_fit
from matching.models import IndexState, Lead, Match, MatchLabel, RankingSettings

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
            _embedding_caches[path] = CachingEmbedder(inner, path)
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
        except OSError as error:  # an unreadable index directory: rebuilding there would fail too
            raise IndexUnavailable(INDEX_UNAVAILABLE.format(reason=f"the index cannot be read ({error})")) from error
        _Loaded.remember(state.version, matcher)
        return _with_current_weights(matcher)


def _rebuild_or_fail(reason: str) -> Matcher:
    if not config()["AUTO_REBUILD"]:
        raise IndexUnavailable(INDEX_UNAVAILABLE.format(reason=reason))
    logger.warning("Rebuilding the matching index: %s", reason)
    try:
        index_build()
    except OSError as error:
        raise IndexUnavailable(INDEX_UNAVAILABLE.format(reason=f"{reason}; it cannot be written ({error})")) from error
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
                reasons_zh=r.reasons_zh,
                reasons_en=r.reasons_en,
                over_budget=r.over_budget,
            )
            for r in results
        ]
    with transaction.atomic():
        Match.objects.filter(need__in=[need.pk for need in needs]).delete()
        Match.objects.bulk_create(stored, batch_size=1000)
    _save_embedding_cache(matcher)
    return len(needs)


def leads_allocate(*, month=None) -> int:
    """Offer open needs that have no leads yet to up to ``LEADS_PER_NEED`` providers each,
    best match first, within every provider's monthly lead capacity (so the best-known providers
    do not take every lead). Returns the number of leads created."""
    month = (month or timezone.localdate()).replace(day=1)
    waiting = selectors.open_needs().filter(leads__isnull=True).order_by("created_at", "pk")
    candidates: dict[int, list[LeadCandidate]] = {}
    for match in Match.objects.filter(need__in=waiting).select_related("solution__provider").order_by("need", "rank"):
        best = candidates.setdefault(match.need_id, [])
        if all(c.provider_ref != match.solution.provider.ref for c in best):
            best.append(LeadCandidate(match.solution.provider.ref, match.solution_id, match.score))
    providers = {p.ref: p for p in Provider.objects.all()}
    already: dict[str, int] = {}
    for ref in Lead.objects.filter(month=month).values_list("provider__ref", flat=True):
        already[ref] = already.get(ref, 0) + 1
    allocation = allocate_leads(
        candidates,
        {ref: p.lead_capacity for ref, p in providers.items()},
        already_assigned=already,
        leads_per_need=config()["LEADS_PER_NEED"],
    )
    leads = [
        Lead(need_id=need_id, provider=providers[a.provider_ref], solution_id=a.solution_id, score=a.score, month=month)
        for need_id, assignments in allocation.assignments.items()
        for a in assignments
    ]
    Lead.objects.bulk_create(leads, ignore_conflicts=True)
    needs = Need.objects.select_related("enterprise__county").in_bulk([lead.need_id for lead in leads])
    for lead in leads:
        lead.need = needs[lead.need_id]
    notifications.leads_announce(leads=leads)
    return len(leads)


def catalog_changed(*, solution_ids: Iterable[int]) -> None:
    """Update the index for changed solutions, then every open need's stored matches."""
    solutions_sync(solution_ids=solution_ids)
    need_matches_refresh()
    leads_allocate()


def needs_changed(*, need_ids: Iterable[int]) -> None:
    """Re-match changed needs: open ones get fresh matches, closed ones keep their history."""
    need_matches_refresh(needs=selectors.open_needs().filter(pk__in=list(need_ids)))
    leads_allocate()


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


def fit_compare(*, need: Need, solutions: Iterable) -> list[FitAssessment]:
    """How each of these solutions fits the need on budget, industry, region, speed and record,
    with the reasons, for a side-by-side comparison (no retrieval involved)."""
    query = selectors.need_query(need)
    names = selectors.labels()
    return [assess_fit(query, selectors.solution_facts(solution), weights(), names) for solution in solutions]


def need_matches(*, need: Need, include_over_budget: bool = False, top_k: int | None = None) -> list[dict]:
    """The need's ranked matches as the pages and the API show them: each result's rank, score,
    components, reasons and over-budget flag, with its ``Solution`` row as ``record``.
    Raises ``IndexUnavailable`` when the index cannot serve."""
    from marketplace.selectors import solution_list

    results = match_query(selectors.need_query(need), top_k=top_k, include_over_budget=include_over_budget)
    records = solution_list().in_bulk([r.solution.id for r in results])
    return [
        {
            "rank": r.rank,
            "score": r.score,
            "components": r.components,
            "reasons_zh": r.reasons_zh,
            "reasons_en": r.reasons_en,
            "over_budget": r.over_budget,
            "record": records[r.solution.id],
        }
        for r in results
        if r.solution.id in records
    ]
