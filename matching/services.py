"""Every write of the matcher, and the one process-wide ``Matcher`` that searches.

The database is the source of truth, vectors included: workers encode solutions and needs and
store their vectors (``SolutionVector``, ``NeedVector``, see ``matching.store``), then bump
``IndexState.version`` (under a row lock). Every process compares that version with the one it
loaded and, when behind, refreshes its in-memory index from the stored vectors (the rows that
changed), so no web request encodes and no process needs another's files. ``matching.status``
says what is not yet reflected in the index or the stored matches.
"""
from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterable, Mapping

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import AuditEvent, Need
from marketplace.catalog.selectors import solution_list
from matching import fanout, jobs, selectors, store, targeting
from matching.labels import labelled_qrels, match_label_set  # noqa: F401  (part of this module's API)
from matching.weights import _weights_stamp, weights
from matching.vectors import (  # noqa: F401  (config, embedder and tokenizer are part of this module's API)
    _passage_vectors,
    _save_embedding_cache,
    _vectors_store,
    config,
    embedder,
    need_vectors_ensure,
    tokenizer,
)
from matching.calibration import calibration
from matching.engine import (
    FitAssessment,
    Matcher,
    NeedQuery,
    RankedResult,
    RankingWeights,
    Reason,
    assess_fit,
    explain,
)
from matching.engine.embedders import CachingEmbedder
from matching.engine.pipeline import RECIPE
from matching.models import IndexState, Match, MatchFrontier, NeedVector, RankingSettings, SolutionVector

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
    rows: dict[int, str] = {}  # solution id -> the stored state hash the matcher holds
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
            cls.version, cls.matcher, cls.rows = None, None, {}


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
    transaction.on_commit(lambda: jobs.enqueue(need_matches_update), robust=True)
    return row


def index_build(*, progress: Progress = _no_progress, fan_out: bool | None = None) -> IndexState:
    """Encode every active solution (reusing shipped, cached and stored vectors), store the
    vectors in the database and bump the version; this process then searches the new index.
    The passages to encode fan out in chunks to the Celery workers when ``fan_out``, or by
    default when jobs run on Celery and many are missing (``matching.fanout``)."""
    names = selectors.labels()
    solutions = list(selectors.indexable_solutions())
    documents = list(selectors.documents(solutions, names))
    fanout.passages_encode(documents, fan_out=fan_out, progress=progress)
    vectors = _passage_vectors(documents, progress=progress)
    with transaction.atomic():
        state, _ = IndexState.objects.select_for_update().get_or_create(name=IndexState.SOLUTIONS)
        SolutionVector.objects.exclude(solution_id__in=[facts.id for facts, _ in documents]).delete()
        _vectors_store(documents, vectors)
        state.version += 1
        state.identity = embedder().identity
        state.recipe = RECIPE
        state.size = len(documents)
        state.built_at = timezone.now()
        state.save()
    _save_embedding_cache()
    _Loaded.forget()
    get_matcher()
    return state


def index_built() -> bool:
    """Whether ``build_index`` ever ran: before it, there is no index to keep in step (the first
    build reads every solution)."""
    return IndexState.objects.filter(name=IndexState.SOLUTIONS, version__gt=0).exists()


def get_matcher() -> Matcher:
    """The matcher at the newest index version. A process behind the database's version
    refreshes from the stored vectors (only the rows that changed); nothing is encoded here, so
    a web request never runs the model. Solutions without a stored vector of this model are
    pending (a worker encodes them) and not searched yet."""
    state = IndexState.objects.filter(name=IndexState.SOLUTIONS).first()
    with _Loaded.lock:
        if state is not None and _Loaded.matcher is not None and _Loaded.version == state.version:
            return _with_current_weights(_Loaded.matcher)
        if state is None or state.version == 0:
            return _rebuild_or_fail(INDEX_NEVER_BUILT)
        if _Loaded.matcher is None or _Loaded.matcher.embedder.identity != embedder().identity:
            _Loaded.rows = {}
            matcher = Matcher(embedder(), labels=selectors.labels(), weights=weights(), tokenizer=tokenizer())
            if state.size >= matcher.vectors.approx_threshold:  # a flat index is never calibrated
                matcher.vectors.calibration_queries = _need_queries(matcher.embedder.identity)
        else:
            matcher = _Loaded.matcher
        _refresh_from_store(matcher)
        # The catalog's objects (several million at 1,000,000 solutions) live as long as the
        # matcher: out of the collector's reach, a full collection no longer walks them (one took
        # 2 s inside a search at 1,000,000; README "Scale"). Each refresh freezes what it added.
        gc.freeze()
        _Loaded.remember(state.version, matcher)
        return _with_current_weights(matcher)


def _need_queries(identity: str, most: int = 2000) -> np.ndarray | None:
    """Stored needs' query vectors of this model (up to ``most``): what an IVF index calibrates its
    nprobe on, as the searches it will serve (``VectorIndex.calibration_queries``)."""
    rows = list(NeedVector.objects.filter(identity=identity).values_list("vector", flat=True)[:most])
    return np.vstack([store.from_bytes(row) for row in rows]) if rows else None


def _refresh_from_store(matcher: Matcher) -> None:
    """Make ``matcher`` hold exactly the stored vectors of its model: upsert the rows whose state
    changed since this process last read them, remove those gone."""
    identity = matcher.embedder.identity
    rows = dict(SolutionVector.objects.filter(identity=identity).values_list("solution_id", "state_hash"))
    tokenizer = matcher.lexical.tokenizer.identity
    changed = [pk for pk, state in rows.items() if _Loaded.rows.get(pk) != state]
    for solution_id in set(_Loaded.rows) - set(rows):
        matcher.remove(solution_id)
        del _Loaded.rows[solution_id]
    for start in range(0, len(changed), 1000):
        chunk = changed[start : start + 1000]
        stored = {
            pk: (vector, terms if made_by == tokenizer else None)
            for pk, vector, terms, made_by in SolutionVector.objects.filter(solution_id__in=chunk).values_list(
                "solution_id", "vector", "terms", "tokenizer"
            )
        }
        solutions = selectors.indexable_solutions().filter(pk__in=chunk)
        items = [
            (facts, text, store.from_bytes(stored[facts.id][0]), stored[facts.id][1])
            for facts, text in selectors.documents(solutions, matcher.labels)
            if facts.id in stored
        ]
        matcher.upsert_encoded(items)
        _Loaded.rows.update((facts.id, rows[facts.id]) for facts, _, _, _ in items)


def _rebuild_or_fail(reason: str) -> Matcher:
    if not config()["AUTO_REBUILD"]:
        raise IndexUnavailable(INDEX_UNAVAILABLE.format(reason=reason))
    logger.warning("Rebuilding the matching index: %s", reason)
    try:
        index_build(fan_out=False)  # on first use, in this process: never waiting for workers
    except OSError as error:
        raise IndexUnavailable(INDEX_UNAVAILABLE.format(reason=f"{reason}; it cannot be written ({error})")) from error
    assert _Loaded.matcher is not None
    return _with_current_weights(_Loaded.matcher)


def solutions_sync(*, solution_ids: Iterable[int]) -> int | None:
    """Bring the stored vectors up to date for these solutions (created, edited, deactivated or
    deleted), encoding only texts not stored yet, and bump the index version. Runs in workers.
    Returns the version written (None when there was nothing to do)."""
    ids = set(solution_ids)
    if not ids:
        return None
    names = selectors.labels()
    documents = list(selectors.documents(selectors.indexable_solutions().filter(pk__in=ids), names))
    vectors = _passage_vectors(documents)
    with transaction.atomic():
        state = IndexState.objects.select_for_update().get(name=IndexState.SOLUTIONS)
        SolutionVector.objects.filter(solution_id__in=ids - {facts.id for facts, _ in documents}).delete()
        _vectors_store(documents, vectors)
        state.version += 1
        state.identity = embedder().identity
        state.size = SolutionVector.objects.filter(identity=state.identity).count()
        state.save()
    _save_embedding_cache()
    get_matcher()
    return state.version


def need_matches_update(*, needs: Iterable[Need] | None = None, progress: Progress = _no_progress) -> int:
    """Re-match these needs (all open needs by default) as a worker does: their query vectors
    encoded in one batch and stored, the matches recomputed (``need_matches_refresh``), and each
    need stamped with the index version and query it was matched against (``NeedVector``), which
    is what ``matching.status`` compares to find the pending ones."""
    get_matcher()
    version = _Loaded.version or 0
    needs = list(selectors.open_needs() if needs is None else needs)
    need_vectors_ensure(needs)
    count = need_matches_refresh(needs=needs, progress=progress)
    needs_stamp(needs, version=version)
    return count


def index_version() -> int:
    """The newest index version in the database (0 before the first build)."""
    return IndexState.objects.filter(name=IndexState.SOLUTIONS).values_list("version", flat=True).first() or 0


def needs_advance(*, since: int, keep: Iterable[Need]) -> int:
    """After a targeted re-match: the open needs matched at index version ``since`` that the change
    could not reach (all but ``keep``) are up to date with the next version as they are. Only when
    the change moved the index by exactly one version; otherwise the sweep re-matches them."""
    now = index_version()
    if now != since + 1:
        return 0
    return (
        NeedVector.objects.filter(matched_version=since, need__status=Need.Status.OPEN)
        .exclude(need__in=[need.pk for need in keep])
        .update(matched_version=now)
    )


def needs_stamp(needs: Iterable[Need], *, version: int) -> None:
    """Record that these needs' stored matches reflect index ``version``, their current query and
    the weights in force. A need edited (or weights saved) meanwhile keeps an older hash and stays
    pending."""
    ranking = weights().to_dict()
    hashes = {need.pk: store.query_hash(selectors.need_query(need), ranking) for need in needs}
    rows = list(NeedVector.objects.filter(need_id__in=list(hashes)))
    now = timezone.now()
    for row in rows:
        row.matched_version, row.matched_hash, row.matched_at = version, hashes[row.need_id], now
    NeedVector.objects.bulk_update(rows, ["matched_version", "matched_hash", "matched_at"], batch_size=500)


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
    frontiers: list[MatchFrontier] = []
    for need in progress(needs, len(needs), "Matching needs"):
        frontier: dict = {}
        results = matcher.search(
            selectors.need_query(need), top_k=config()["STORED_MATCHES"] + 1, fusion=config()["FUSION"], frontier=frontier
        )  # one more than stored: the frontier keeps the first left out
        frontiers.append(
            MatchFrontier(
                need=need,
                data=targeting.frontier_record(
                    frontier, results, top_k=config()["STORED_MATCHES"], fusion=config()["FUSION"]
                ),
            )
        )
        results = results[: config()["STORED_MATCHES"]]
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
        # One refresh of a need at a time, its rows replaced whole in this transaction. The locks
        # are taken in id order whatever the query plan, so two refreshes of overlapping needs
        # (a full one scanning the table, a targeted one using the index) cannot deadlock.
        ids = [need.pk for need in needs]
        list(Need.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        Match.objects.filter(need__in=ids).delete()
        Match.objects.bulk_create(stored, batch_size=1000)
        MatchFrontier.objects.filter(need__in=ids).delete()
        MatchFrontier.objects.bulk_create(frontiers, batch_size=1000)
    _save_embedding_cache()
    return len(needs)


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

    They are the stored ``Match`` rows, the same ones leads and notifications come from, computed
    by the background jobs. An open need without them is still being matched (``[]``; see
    ``matching_pending``): a request never encodes. Only with inline jobs (``JOBS="sync"``, tests)
    or on ``refresh`` are they computed here. Over-budget solutions are not stored (leads never go
    to them): asking for them runs a live search with the need's stored query vector. Raises
    ``IndexUnavailable`` when the index cannot serve."""
    top_k = top_k or config()["TOP_K"]
    inline = config().get("JOBS", "thread") == "sync"
    if include_over_budget:
        return _live_matches(need, top_k, inline=inline)
    stored = Match.objects.filter(need=need)
    if refresh or (inline and need.status == Need.Status.OPEN and not stored.exists()):
        need_matches_update(needs=[need])
    rows = list(stored.order_by("rank")[:top_k])
    return _shown(rows, [m.solution_id for m in rows])


def matching_pending(need: Need) -> bool:
    """Whether an open need's first matches are still being computed: none stored, and it was
    never matched (a need matched with no result that fits is not pending)."""
    return (
        need.status == Need.Status.OPEN
        and not Match.objects.filter(need=need).exists()
        and not NeedVector.objects.filter(need=need, matched_at__isnull=False).exists()
    )


def _live_matches(need: Need, top_k: int, *, inline: bool = False) -> list[dict]:
    if not _query_vector_known(need, encode=inline):
        return []  # its query vector is not stored yet: the worker is still on it
    results = match_query(selectors.need_query(need), top_k=top_k, include_over_budget=True)
    return _shown(results, [r.solution.id for r in results])


def _query_vector_known(need: Need, *, encode: bool) -> bool:
    """Give this process's embedder the need's stored query vector; encode it only if allowed."""
    if encode:
        need_vectors_ensure([need])
        return True
    model = embedder()
    text = selectors.need_query(need).text
    row = NeedVector.objects.filter(need=need, identity=model.identity, text_hash=store.text_hash(text)).first()
    if row is None or not isinstance(model, CachingEmbedder):
        return False
    model.remember_queries([text], store.from_bytes(row.vector).reshape(1, -1))
    return True


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
