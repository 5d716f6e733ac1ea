"""Targeted re-matching: which open needs a changed solution can reach.

Re-matching every open need after one solution edit costs a search per need (1,807 on the
fixture catalog). Most needs cannot notice the edit: the solution is nowhere near their stored
top matches. Each stored search also stores its *frontier* (``MatchFrontier``, filled by
``Matcher.search(frontier=...)`` and :func:`frontier_record`); a changed solution ``c`` reaches
a need, which is then re-matched, when any of these holds:

1. the need has no frontier (matched before this existed), or its search widened its pool
   (fewer eligible candidates than ``top_k`` plus the number of changed solutions), or the
   change may move its search from scoring only the eligible solutions to widening its pool or
   back (``engine/retrieval.py``; the frontier records the counts that choice was made from);
2. ``c`` is one of its stored matches, one of its category-feedback leaders (the best
   ``category_feedback_depth`` by fused relevance), or at an end of a channel's range over the
   eligible candidates (the blend normalises by that range);
3. ``c`` enters or leaves its candidate pool (its dense score crosses the dense retrieval cut
   or its BM25 score the lexical one, before against after): it would displace or let in
   another candidate;
4. the need's search pre-filtered (few eligible solutions, more than its pool: a solution
   becoming eligible or not changes who is in it) and ``c`` is in the pool after the change;
5. ``c`` is in the pool after the change, passes the need's hard filters, and with its new
   scores it would move a channel's range, or its fused relevance (exact, from the stored
   ranges and channel weights) reaches the last leader's, or its score bound
   ``combine(fused, S)`` (S exact from ``assess_fit``; category feedback only lowers
   relevance, so this bounds the real score) reaches the K-th stored score.

Otherwise the need's stored rows cannot change, up to the one thing left out: BM25 statistics
(document count, average length, document frequencies) and the term focus shift slightly with
any catalog change, moving every lexical score a little. The safety margin covers that drift:
lexical comparisons and the score and leader tests use ``MARGIN`` (5%) on the conservative
side, and dense comparisons ``DENSE_EPSILON`` (exact inner products over a flat index). The
dense scores are one matrix product of the needs' query vectors (cached by text hash) with the
changed solutions' vectors; the BM25 scores come from the changed solutions' own terms.

With another fusion than ``blend`` the frontier means nothing, and every open need is reached.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from marketplace.catalog.models import Need
from matching import selectors
from matching.engine import Matcher, RankedResult, assess_fit
from matching.engine.fit import combine
from matching.engine.language import text_language
from matching.engine.retrieval import prefilters

MARGIN = 0.05
DENSE_EPSILON = 1e-4
SCORE_EPSILON = 1e-4  # stored scores are rounded to 4 decimals


def frontier_record(frontier: dict, results: Sequence[RankedResult], *, top_k: int, fusion: str) -> dict:
    """The JSON stored for a need's search (``results``: the ``top_k`` stored and the first left
    out): the engine's frontier, the stored ids, the score a newcomer must reach to enter the
    stored top ``top_k`` (0 when fewer are stored), the best score and the smallest gap between
    consecutive scores (how far a drift may move scores before two of them swap)."""
    record = {key: (None if isinstance(value, float) and math.isinf(value) else value) for key, value in frontier.items()}
    scores = [r.score for r in results]
    record.update(
        fusion=fusion,
        top_k=top_k,
        stored=[r.solution.id for r in results[:top_k]],
        kth=scores[top_k - 1] if len(scores) >= top_k else 0.0,
        top=scores[0] if scores else 0.0,
        gap=min((a - b for a, b in zip(scores, scores[1:])), default=1.0),
    )
    return record


@dataclasses.dataclass
class ChannelScores:
    """Dense and lexical scores of the changed solutions for each open need (rows: needs), the
    needs' query terms, and the changed solutions' terms and BM25 statistics."""

    needs: list[Need]
    solution_ids: list[int]
    dense: np.ndarray
    lexical: np.ndarray
    query_terms: list[set[str]]
    solution_terms: dict[int, set[str]]
    documents: int
    total_length: int


def channel_scores(*, matcher: Matcher, solution_ids: Sequence[int], needs: Sequence[Need] | None = None) -> ChannelScores:
    """Score the solutions, as the matcher indexes them now, against every open need's query."""
    needs = list(selectors.open_needs().select_related("match_frontier") if needs is None else needs)
    texts = [selectors.need_query(need).text for need in needs]
    vectors = matcher.embedder.encode_queries(texts) if texts else np.zeros((0, matcher.embedder.dim))
    queries = [_tokens(matcher, text) for text in texts]
    tokens = [query_tokens for query_tokens, _ in queries]
    languages = [text_language(text) for text in texts]
    dense, lexical = matcher.frontier_scores(
        tokens, vectors, list(solution_ids), languages, [factors for _, factors in queries]
    )
    terms = {i: set(matcher.lexical.terms_of(i)) if i in matcher.lexical else set() for i in solution_ids}
    documents, total, _ = matcher.lexical.statistics(())
    return ChannelScores(
        needs, list(solution_ids), dense, lexical, [set(t) for t in tokens], terms, documents, total
    )


_token_cache: dict[tuple[str, str, float], tuple[tuple[str, ...], dict[str, float]]] = {}
TOKEN_CACHE_SIZE = 50_000


def _tokens(matcher: Matcher, text: str) -> tuple[tuple[str, ...], dict[str, float]]:
    """A need's lexical query tokens (its own and the glossary's translations, with their
    factors: ``Matcher.lexical_tokens``), remembered by text: segmenting every open need's text
    (about 4 ms each) would otherwise be most of the screening's time."""
    key = (matcher.lexical.tokenizer.identity, text, matcher.weights.glossary_expansion)
    tokens = _token_cache.get(key)
    if tokens is None:
        if len(_token_cache) >= TOKEN_CACHE_SIZE:
            _token_cache.clear()
        tokens = _token_cache[key] = matcher.lexical_tokens(text)
    return tokens


def _drift(matcher: Matcher, before: ChannelScores, after: ChannelScores) -> list[float]:
    """For each need, a bound on how much the catalog statistics the change moved (document
    count, average length, the document frequency of each term the changed solutions gained or
    lost) can change its candidates' BM25 scores relative to one another."""
    changed = set()
    for solution_id in before.solution_ids:
        changed |= before.solution_terms[solution_id] ^ after.solution_terms[solution_id]
    recount = before.documents != after.documents
    asked = set().union(*after.query_terms) if recount else changed
    _, _, df_after = matcher.lexical.statistics(asked)
    n0, n1 = before.documents, after.documents
    per_term = {}
    for term in asked:
        gained = sum(term in after.solution_terms[i] for i in before.solution_ids)
        lost = sum(term in before.solution_terms[i] for i in before.solution_ids)
        df1 = df_after[term]
        df0 = df1 - gained + lost
        if df0 or df1:
            old, new = _idf(df0, n0), _idf(df1, n1)
            per_term[term] = (new - old) / max(old, 1e-9) if old > 0 else 1.0
    length = abs(after.total_length / max(n1, 1) - before.total_length / max(n0, 1)) / max(before.total_length / max(n0, 1), 1e-9)
    drift = []
    for terms in after.query_terms:
        # A change that scales every term of the query alike scales every candidate's BM25
        # score alike, which the min-max normalisation cancels: only the spread matters.
        moved = [per_term[t] for t in terms if t in per_term]
        if len(moved) < len(terms) and not recount:
            moved.append(0.0)
        drift.append(length + (max(moved) - min(moved) if moved else 0.0))
    return drift


def _idf(df: int, documents: int) -> float:
    return math.log(1.0 + (documents - df + 0.5) / (df + 0.5)) if df > 0 else 0.0


def needs_reached(*, matcher: Matcher, before: ChannelScores) -> list[Need]:
    """The open needs whose stored matches the changed solutions may change (module docstring),
    ``before`` being :func:`channel_scores` taken before the index changed."""
    after = channel_scores(matcher=matcher, solution_ids=before.solution_ids, needs=before.needs)
    drift = _drift(matcher, before, after)
    return [
        need
        for row, need in enumerate(before.needs)
        if _drifts(need, drift[row]) or any(
            _reaches(matcher, need, solution_id, before.dense[row, col], before.lexical[row, col],
                     after.dense[row, col], after.lexical[row, col], len(before.solution_ids))
            for col, solution_id in enumerate(before.solution_ids)
        )
    ]  # fmt: skip


def _drifts(need: Need, drift: float) -> bool:
    """Whether the BM25 drift may swap two of the need's scores (or the last stored and the
    first left out): every score is at most ``top``, and a lexical drift of ``drift`` moves a
    fused relevance by at most twice that (the range it is normalised by moves too)."""
    frontier = getattr(getattr(need, "match_frontier", None), "data", None)
    if not frontier or "gap" not in frontier:
        return True
    return drift > MARGIN / 4 or 2 * drift * frontier["top"] * (1 + MARGIN) >= frontier["gap"]


def _reaches(matcher: Matcher, need: Need, solution_id: int, d0: float, l0: float, d1: float, l1: float, changed: int) -> bool:
    frontier = getattr(getattr(need, "match_frontier", None), "data", None)
    if not frontier or frontier.get("fusion") != "blend" or "ranges" not in frontier:
        return True
    if frontier["eligible"] <= frontier["top_k"] + changed:
        return True
    if "prefilter" not in frontier or _prefilter_may_flip(frontier["prefilter"], changed):
        return True  # matched before the choice was recorded, or the change may move it
    if solution_id in set(frontier["stored"]) | set(frontier["leaders"]) | set(frontier["edges"]):
        return True
    was, now = _in_pool(frontier, d0, l0), _in_pool(frontier, d1, l1)
    if was is None or now is None or was != now:
        return True
    if not now or solution_id not in matcher:
        return False
    if frontier.get("prefiltered"):
        return True  # its pool was the best of the eligible solutions: one becoming eligible or not moves it
    query, facts = selectors.need_query(need), matcher.facts(solution_id)
    weights = matcher.weights
    if not Matcher.passes_filters(query, facts, weights):
        return False  # not eligible: no part of the ranking sees it
    (d_low, d_high), (l_low, l_high) = frontier["ranges"]["dense"], frontier["ranges"]["lexical"]
    if d1 > d_high - DENSE_EPSILON or d1 < d_low + DENSE_EPSILON:
        return True
    if l1 * (1 - MARGIN) > l_high or l1 < l_low * (1 + MARGIN) or l_high <= l_low:
        return True
    w_dense, w_lexical = weights.channel_weights.get("dense", 0.0), weights.channel_weights.get("lexical", 0.0)
    fused = (
        w_dense * (d1 - d_low) / (d_high - d_low) + w_lexical * min(1.0, (l1 * (1 + MARGIN) - l_low) / (l_high - l_low))
    ) / (w_dense + w_lexical)
    if fused >= frontier["leader_cut"] * (1 - MARGIN):
        return True
    score = combine(fused, assess_fit(query, facts, weights).structured, weights)
    return score >= frontier["kth"] * (1 - MARGIN) - SCORE_EPSILON


def _prefilter_may_flip(choice: dict | None, changed: int) -> bool:
    """Whether ``changed`` solutions (each one more or one fewer eligible, or in the catalog) may
    switch the need's search between scoring only the eligible solutions and widening its pool."""
    if choice is None:
        return False
    eligible, corpus, top_k, pool = choice["eligible"], choice["corpus"], choice["top_k"], choice["pool"]
    outcomes = {
        prefilters(eligible=max(0, eligible + de), corpus=max(1, corpus + dc), top_k=top_k, pool=pool)
        for de in (-changed, changed)
        for dc in (-changed, changed)
    }
    return len(outcomes) > 1


def _in_pool(frontier: dict, dense: float, lexical: float) -> bool | None:
    """Whether a solution with these scores is a candidate of the need's search: True, False,
    or None when it is within the margin of a retrieval cut (treated as a change)."""
    if math.isnan(dense):
        return False  # not indexed
    dense_cut = frontier["dense_cut"]
    if dense_cut is None:
        by_dense: bool | None = True
    elif dense >= dense_cut + DENSE_EPSILON:
        by_dense = True
    elif dense < dense_cut - DENSE_EPSILON:
        by_dense = False
    else:
        by_dense = None
    lexical_cut = frontier["lexical_cut"]
    if lexical_cut <= 0:
        by_lexical: bool | None = lexical > 0
    elif lexical >= lexical_cut * (1 + MARGIN):
        by_lexical = True
    elif lexical < lexical_cut * (1 - MARGIN):
        by_lexical = False
    else:
        by_lexical = None
    if by_dense or by_lexical:
        return True
    if by_dense is False and by_lexical is False:
        return False
    return None
