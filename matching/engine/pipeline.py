"""``Matcher``: the engine assembled for the Django shell.

It holds an embedder, a :class:`VectorIndex` (dense channel), a :class:`BM25Index`
(lexical channel) and the :class:`SolutionFacts` of every indexed solution. A search:

1. encodes the need text (dense channel only);
2. retrieves a generous pool (``candidate_pool``) from each channel and completes the other
   channel's score for every pooled candidate, so fusion sees both scores for everyone;
3. applies the hard filters (over budget; unserved region if configured) *before*
   truncation, widening the pool if fewer than ``top_k`` candidates survive;
4. holds down a candidate whose text is mostly the need's own words (``copies.py``);
5. fuses the channels (blend or RRF) and hands the candidates to :func:`ranker.rank`, which
   scores, orders and explains them.

Ablations are flags: ``channels=("dense",)``, ``("lexical",)``, both; ``structured=False``
(relevance only; hard filters then default to off so over-budget results show up flagged).

Thread safety: searches may run concurrently; the indexes lock their own writes. ``upsert``
records the facts before indexing and ``remove`` unindexes before forgetting the facts, so a
concurrent search never sees an id without facts (ids without facts are skipped anyway).
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .embedders import Embedder
from .errors import IndexMismatchError
from .copies import hold_copies
from .focus import CatalogFocus
from .fusion import FUSION_METHODS, fuse
from .index import DEFAULT_APPROX_THRESHOLD, VectorIndex
from .eligibility import FilterColumns
from .language import CrossLanguage, LanguageGroups, terms_language
from .lexical import BM25Index, TermWeights, Tokenizer
from .fit import INDUSTRY_OTHER, REGION_NOT_SERVED, industry_fit, is_over_budget, region_fit
from .ranker import rank
from .retrieval import Retrieval
from .types import Labels, NeedQuery, RankedResult, RankingWeights, SolutionFacts

__all__ = ["CHANNELS", "RECIPE", "RECIPE_NAME", "RECIPE_VERSION", "Matcher", "document_text"]

RECIPE_NAME = "solution-text"
RECIPE_VERSION = 1
RECIPE = f"{RECIPE_NAME}/v{RECIPE_VERSION}"
CHANNELS = ("dense", "lexical")


VECTOR_FILE = "vectors.idx"
LEXICAL_FILE = "lexical.npz"


def document_text(facts: SolutionFacts, description: str, labels: Labels | None = None) -> str:
    """The text indexed for a solution (recipe ``RECIPE``; bump ``RECIPE_VERSION`` on change).

    Title, category and industries in Chinese and English, then the description: the
    title and category name the solution the way needs name their problem; the industry
    names let a need mention its trade ("陶瓷厂") and still match.
    """
    labels = labels or Labels()
    cat_zh, cat_en = labels.category(facts.category)
    if facts.all_industries:
        industries = "通用 各行业 all industries"
    else:
        industries = "；".join(" ".join(labels.industry(code)) for code in sorted(facts.industries))
    return "\n".join(
        [
            facts.title.strip(),
            f"类别：{cat_zh} {cat_en}",
            f"适用行业：{industries}",
            description.strip(),
        ]
    )


class Matcher(CrossLanguage, Retrieval):
    """Ranks the solution catalog for a need (see the module docstring)."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        labels: Labels | None = None,
        weights: RankingWeights | None = None,
        tokenizer: Tokenizer | None = None,
        approx_threshold: int = DEFAULT_APPROX_THRESHOLD,
        vector_index: VectorIndex | None = None,
        lexical_index: BM25Index | None = None,
    ) -> None:
        self.embedder = embedder
        self.labels = labels or Labels()
        self.weights = weights or RankingWeights()
        if vector_index is None:
            vector_index = VectorIndex(
                embedder.dim, identity=embedder.identity, recipe=RECIPE, approx_threshold=approx_threshold
            )
        elif vector_index.identity != embedder.identity or vector_index.recipe != RECIPE:
            raise IndexMismatchError(
                f"vector index is ({vector_index.identity}, {vector_index.recipe}), "
                f"matcher needs ({embedder.identity}, {RECIPE})"
            )
        self.vectors = vector_index
        self.lexical = lexical_index if lexical_index is not None else BM25Index(tokenizer or Tokenizer())
        self._facts: dict[int, SolutionFacts] = {}
        self._filters = FilterColumns()
        self._focus = CatalogFocus()
        self._languages: dict[int, str] = {}
        self._language_groups: LanguageGroups | None = None
        self.last_timings: dict[str, float] = {}

    # ---------------------------------------------------------------------- content

    def __len__(self) -> int:
        return len(self._facts)

    def __contains__(self, solution_id: object) -> bool:
        return solution_id in self._facts

    def facts(self, solution_id: int) -> SolutionFacts:
        return self._facts[solution_id]

    def upsert(self, facts: SolutionFacts, text: str) -> None:
        """Index (or re-index) one solution; ``text`` is its :func:`document_text`."""
        self.upsert_many([(facts, text)])

    def upsert_many(self, items: Iterable[tuple[SolutionFacts, str]], batch_size: int = 64) -> int:
        """Index many solutions, encoding in batches; returns how many were indexed."""
        batch: list[tuple[SolutionFacts, str]] = []
        count = 0
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                count += self._upsert_batch(batch)
                batch = []
        if batch:
            count += self._upsert_batch(batch)
        return count

    def upsert_encoded(
        self, items: Sequence[tuple[SolutionFacts, str, np.ndarray, Mapping[str, int] | None]]
    ) -> int:
        """Index solutions whose passage vectors (and, when not None, lexical term counts from
        this matcher's tokenizer) are already known, stored by the process that indexed them: no
        model time, no segmentation. Each vector must come from this matcher's embedder."""
        if not items:
            return 0
        vectors = np.vstack([vector for _, _, vector, _ in items]).astype(np.float32, copy=False)
        terms = {facts.id: counts for facts, _, _, counts in items if counts is not None}
        return self._upsert_batch([(facts, text) for facts, text, _, _ in items], vectors, terms)

    def _upsert_batch(
        self,
        batch: Sequence[tuple[SolutionFacts, str]],
        vectors: np.ndarray | None = None,
        terms: Mapping[int, Mapping[str, int]] | None = None,
    ) -> int:
        ids = [facts.id for facts, _ in batch]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate solution ids in one upsert batch")
        if vectors is None:
            vectors = self.embedder.encode_passages([text for _, text in batch])
        old_vectors = self._stored_vectors(ids)
        for facts, _ in batch:
            self._facts[facts.id] = facts
            self._filters.put(facts)
            self._focus.put(facts)
        self.vectors.update(ids, vectors)
        terms = terms or {}
        for facts, text in batch:
            if facts.id in terms:
                self.lexical.update_terms(facts.id, terms[facts.id])
            else:
                self.lexical.update(facts.id, text)
        written: dict[int, Mapping[str, int]] = {}
        if self._focus.cached or self._language_groups is not None:
            written = {doc_id: self.lexical.terms_of(doc_id) for doc_id in ids}  # recent: cheap
        if self._focus.cached:  # a term's holders changed where a written solution holds it
            self._focus.forget({term for counts in written.values() for term in counts})
        self._track_languages(ids, old_vectors, {doc_id: terms_language(counts) for doc_id, counts in written.items()})
        return len(batch)

    def remove(self, solution_id: int) -> bool:
        """Unindex a solution; returns False if it was not indexed."""
        old_vectors = self._stored_vectors([solution_id])
        self.vectors.remove([solution_id])
        self.lexical.remove(solution_id)
        removed = self._facts.pop(solution_id, None) is not None
        self._filters.discard(solution_id)
        self._focus.discard(solution_id)  # its terms lost a holder: their frequencies tell
        self._track_languages([solution_id], old_vectors, removed=True)
        return removed

    def _stored_vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vectors of those of ``ids`` that are indexed, when the language groups'
        sums are kept (a write takes them out of the sums)."""
        if self._language_groups is None:
            return {}
        present = [i for i in ids if i in self.vectors]
        return dict(zip(present, self.vectors.get_vectors(present), strict=True)) if present else {}

    # ----------------------------------------------------------------------- search

    def search(
        self,
        query: NeedQuery,
        top_k: int = 10,
        include_over_budget: bool = False,
        channels: Sequence[str] = CHANNELS,
        structured: bool = True,
        fusion: str = "blend",
        candidate_pool: int = 200,
        *,
        hard_filters: bool | None = None,
        weights: RankingWeights | None = None,
        frontier: dict | None = None,
    ) -> list[RankedResult]:
        """Best ``top_k`` solutions for ``query``; timings land in ``last_timings`` (ms).

        ``frontier``, when given, is filled with what another solution would have to reach to
        change this result (see :meth:`_frontier`), for targeted re-matching.

        ``hard_filters`` (default: same as ``structured``) drops over-budget solutions
        (unless ``include_over_budget``) and, with ``weights.hard_region_filter`` /
        ``weights.hard_industry_filter``, solutions not serving the need's city / not suited
        to its industry, before the pool is cut to ``top_k``.
        """
        active = tuple(dict.fromkeys(channels))
        if not active or any(c not in CHANNELS for c in active):
            raise ValueError(f"channels must be a non-empty subset of {CHANNELS}, got {channels!r}")
        if fusion not in FUSION_METHODS:
            raise ValueError(f"unknown fusion method {fusion!r}; expected one of {FUSION_METHODS}")
        if top_k < 1 or candidate_pool < 1:
            raise ValueError("top_k and candidate_pool must be >= 1")
        weights = weights or self.weights
        apply_filters = structured if hard_filters is None else hard_filters
        keep_over_budget = include_over_budget or not apply_filters
        if not apply_filters and (weights.hard_region_filter or weights.hard_industry_filter):
            weights = dataclasses.replace(weights, hard_region_filter=False, hard_industry_filter=False)

        started = time.perf_counter()
        query_vector = self.embedder.encode_queries([query.text])[0] if "dense" in active else None
        encoded = time.perf_counter()
        term_weights = self._term_weights() if "lexical" in active and weights.term_focus else None

        lexical_text, lexical_weights = query.text, term_weights
        if "lexical" in active:
            lexical_text, lexical_weights = self._lexical_query(query.text, weights, term_weights)

        corpus = len(self._facts)
        pool = max(candidate_pool, top_k)
        among, choice = self._prefilter(query, keep_over_budget, weights, top_k, pool) if apply_filters else (None, None)
        while True:
            if among is None:
                dense, lexical = self._retrieve(lexical_text, query_vector, active, pool, lexical_weights)
            else:
                dense, lexical = self._retrieve_among(lexical_text, query_vector, active, pool, among, lexical_weights)
            offsets = {}
            if weights.dense_language_alignment > 0 and query_vector is not None:
                offsets = self._language_offsets(
                    query.text, query_vector, dense, pool, weights.dense_language_alignment, among=among
                )
            eligible = [
                doc_id
                for doc_id in dense.keys() | lexical.keys()
                if doc_id in self._facts and self._passes(query, self._facts[doc_id], keep_over_budget, weights)
            ]
            if among is not None or len(eligible) >= top_k or pool >= corpus:
                break
            pool *= 4
        cuts = (
            min(dense.values()) if len(dense) >= pool else float("-inf"),
            min(lexical.values()) if len(lexical) >= pool else 0.0,
        )
        self._complete_scores(lexical_text, query_vector, active, eligible, dense, lexical, lexical_weights)
        if offsets:
            for doc_id in dense:
                dense[doc_id] += offsets.get(self._language_of(doc_id) or "", 0.0)
        channel_scores: dict[str, dict[int, float]] = {}
        if "dense" in active:
            channel_scores["dense"] = {i: dense[i] for i in eligible}
        if "lexical" in active:
            channel_scores["lexical"] = {i: lexical[i] for i in eligible}
        references = hold_copies(channel_scores, self.lexical.query_share(query.text, eligible))
        dense.update(channel_scores.get("dense", {}))
        lexical.update(channel_scores.get("lexical", {}))
        unseen = None
        if weights.cross_language_fusion and len(channel_scores) > 1:
            unseen = {"lexical": self._other_language(query.text, eligible)}
        fused = fuse(channel_scores, weights.channel_weights, method=fusion, unseen=unseen)
        if frontier is not None:
            frontier.update(self._frontier(channel_scores, fused, cuts, weights, pool))
            frontier["edges"] = sorted(set(frontier["edges"]) | references)  # a held copy's score depends on them
            frontier["prefilter"] = choice  # a change of the catalog may flip the choice
            if among is not None and len(among) > pool:
                frontier["prefiltered"] = True  # a solution becoming eligible may displace a candidate
        if weights.category_feedback > 0:
            fused = self._category_feedback(fused, weights)
        top_lexical = max((lexical[i] for i in eligible), default=0.0) if "lexical" in active else 0.0
        candidates = [
            (
                self._facts[i],
                dense[i] if "dense" in active else None,
                (lexical[i] / top_lexical if top_lexical > 0 else 0.0) if "lexical" in active else None,
                fused[i],
            )
            for i in eligible
            if i in self._facts
        ]
        retrieved = time.perf_counter()

        results = rank(
            query,
            candidates,
            weights,
            include_over_budget=keep_over_budget,
            top_k=top_k,
            structured=structured,
        )
        finished = time.perf_counter()
        self.last_timings = {
            "encode_ms": (encoded - started) * 1000,
            "retrieve_ms": (retrieved - encoded) * 1000,
            "rank_ms": (finished - retrieved) * 1000,
            "total_ms": (finished - started) * 1000,
        }
        return results

    @staticmethod
    def _frontier(
        channels: dict[str, dict[int, float]],
        fused: dict[int, float],
        cuts: tuple[float, float],
        weights: RankingWeights,
        pool: int,
    ) -> dict:
        """What this search's result depends on besides each candidate's own scores: the
        retrieval cut of each channel (a solution scoring below both is not a candidate), each
        channel's range over the eligible candidates (the blend normalises by it) and the ids at
        its ends, and the category-feedback leaders (the best ``category_feedback_depth`` by
        fused relevance before feedback) with the last leader's fused relevance."""
        leaders = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[: weights.category_feedback_depth]
        ranges, edges = {}, set()
        for name, scores in channels.items():
            if scores:
                low, high = min(scores, key=scores.__getitem__), max(scores, key=scores.__getitem__)
                ranges[name] = [scores[low], scores[high]]
                edges |= {low, high}
        return {
            "pool": pool,
            "eligible": len(fused),
            "dense_cut": cuts[0],
            "lexical_cut": cuts[1],
            "ranges": ranges,
            "leaders": [doc_id for doc_id, _ in leaders],
            "leader_cut": leaders[-1][1] if len(leaders) >= weights.category_feedback_depth else 0.0,
            "edges": sorted(edges),
        }

    def frontier_scores(
        self,
        query_tokens: Sequence[Sequence[str]],
        query_vectors: np.ndarray,
        solution_ids: Sequence[int],
        query_languages: Sequence[str] | None = None,
        query_factors: Sequence[Mapping[str, float]] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dense and lexical scores of a few solutions for many needs, given as their query
        vectors and tokens (rows: needs, columns: solutions; NaN for a solution not indexed):
        one matrix product and the solutions' own BM25 terms, far cheaper than searching. With
        the needs' languages, an other-language solution's dense score gets the offset a search
        gives it (``dense_language_alignment``), so the scores compare with the stored frontier;
        ``query_factors`` are the factors of the glossary's terms among the tokens
        (:meth:`lexical_tokens`)."""
        texts = query_tokens
        ids = list(solution_ids)
        present = [i for i in ids if i in self.vectors]
        dense = np.full((len(texts), len(ids)), np.nan)
        lexical = np.full((len(texts), len(ids)), np.nan)
        if present and len(texts):
            columns = [ids.index(i) for i in present]
            dense[:, columns] = np.asarray(query_vectors, dtype=np.float32) @ self.vectors.get_vectors(present).T
            if query_languages is not None and self.weights.dense_language_alignment > 0:
                dense[:, columns] += self.language_offset_matrix(query_vectors, query_languages, present)
            term_weights = self._term_weights() if self.weights.term_focus else None
            lexical[:, columns] = self.lexical.document_scores(
                texts, present, term_weights=term_weights, factors=query_factors
            )
        return dense, lexical

    @staticmethod
    def passes_filters(query: NeedQuery, facts: SolutionFacts, weights: RankingWeights) -> bool:
        """Whether a stored (never over-budget) search may keep this solution for this need."""
        return Matcher._passes(query, facts, False, weights)

    def _term_weights(self) -> TermWeights:
        """Focus of each query term on the kind of problem (see ``focus.py``), over the current catalog."""
        facts, lexical, focus = self._facts, self.lexical, self._focus

        def frequency(term: str) -> int:
            return lexical.statistics((term,))[2][term]

        return lambda term: focus.weight(term, lexical.documents_with, frequency, facts)

    def _category_feedback(self, fused: dict[int, float], weights: RankingWeights) -> dict[int, float]:
        """Pseudo-relevance feedback on the category: the categories of the best fused
        candidates say what kind of problem the need describes (energy, quality, MES...), so a
        candidate of another category, however similar its wording, is likely a different
        problem. Each relevance is scaled by ``1 - f + f * share(category)``, where share is the
        category's part of the top candidates' fused score relative to the leading category."""
        top = sorted(fused.items(), key=lambda item: -item[1])[: weights.category_feedback_depth]
        mass: dict[str, float] = {}
        for doc_id, score in top:
            category = self._facts[doc_id].category
            mass[category] = mass.get(category, 0.0) + score
        leading = max(mass.values(), default=0.0)
        if leading <= 0:
            return fused
        f = weights.category_feedback
        return {
            doc_id: score * (1.0 - f + f * mass.get(self._facts[doc_id].category, 0.0) / leading)
            for doc_id, score in fused.items()
        }

    @staticmethod
    def _passes(query: NeedQuery, facts: SolutionFacts, keep_over_budget: bool, weights: RankingWeights) -> bool:
        if not keep_over_budget and is_over_budget(query, facts):
            return False
        if weights.hard_region_filter and region_fit(query, facts) == REGION_NOT_SERVED:
            return False
        return not (weights.hard_industry_filter and industry_fit(query, facts) == INDUSTRY_OTHER)

    # ------------------------------------------------------------------ persistence

    def save(self, directory: str | os.PathLike[str]) -> int:
        """Write both indexes into ``directory`` (atomically each); returns the vector version."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        self.lexical.save(folder / LEXICAL_FILE)
        return self.vectors.save(folder / VECTOR_FILE)

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike[str],
        embedder: Embedder,
        facts: Mapping[int, SolutionFacts],
        *,
        labels: Labels | None = None,
        weights: RankingWeights | None = None,
        tokenizer: Tokenizer | None = None,
        mmap: bool = True,
    ) -> Matcher:
        """Load indexes saved by :meth:`save` and attach ``facts`` (from the database).

        ``mmap``: memory-map a large (``ivf_sq8``) vector index, shared by the processes that
        load it (see :meth:`VectorIndex.load`); smaller kinds are read either way.

        Raises the index errors of :meth:`VectorIndex.load` / :meth:`BM25Index.load`, and
        :class:`IndexMismatchError` when the indexed ids differ from ``facts`` (stale index).
        """
        folder = Path(directory)
        vectors = VectorIndex.load(
            folder / VECTOR_FILE, expected_identity=embedder.identity, expected_recipe=RECIPE, mmap=mmap
        )
        lexical = BM25Index.load(folder / LEXICAL_FILE, tokenizer or Tokenizer())
        matcher = cls(embedder, labels=labels, weights=weights, vector_index=vectors, lexical_index=lexical)
        indexed = set(vectors.ids().tolist())
        known = set(facts)
        lexical_ok = len(lexical) == len(known) and all(i in lexical for i in known)
        if indexed != known or not lexical_ok:
            raise IndexMismatchError(
                f"{folder}: index is stale: {len(indexed - known)} ids only in the index, "
                f"{len(known - indexed)} only in the database, lexical has {len(lexical)}; rebuild it"
            )
        matcher._facts = dict(facts)
        for item in matcher._facts.values():
            matcher._filters.put(item)
            matcher._focus.put(item)
        return matcher
