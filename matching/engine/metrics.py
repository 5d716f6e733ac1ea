"""Offline evaluation metrics for ranked lists against graded judgments.

Grades are 0 (not relevant), 1 (relevant) and 2 (highly relevant). Unjudged ids count as 0.

* ``ndcg_at_k``: linear gain (the grade) with the standard ``1 / log2(rank + 1)`` discount;
  the ideal ranking is the judged grades sorted descending, cut at k. 0.0 when no judged id
  has a positive grade (nothing to find).
* ``recall_at_k``: share of the relevant ids (grade >= 1) found in the top k.
* ``mrr``: reciprocal rank of the first relevant id (0.0 if none is retrieved).
* ``over_budget_share``: share of results flagged over budget.
* ``gini``: inequality of a non-negative distribution (e.g. leads or exposure per provider):
  0 = perfectly even, (n-1)/n = everything to one.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["evaluate", "gini", "mrr", "ndcg_at_k", "over_budget_share", "recall_at_k"]

Grades = Mapping[Hashable, int | float]


def _dcg(gains: Iterable[float]) -> float:
    return sum(gain / math.log2(position + 1) for position, gain in enumerate(gains, start=1))


def ndcg_at_k(ranked_ids: Sequence[Hashable], grades: Grades, k: int = 10) -> float:
    """Normalised discounted cumulative gain at ``k``."""
    if k < 1:
        raise ValueError("k must be >= 1")
    ideal = _dcg(sorted((float(g) for g in grades.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return _dcg(float(grades.get(doc_id, 0)) for doc_id in ranked_ids[:k]) / ideal


def recall_at_k(ranked_ids: Sequence[Hashable], grades: Grades, k: int = 10) -> float:
    """Fraction of relevant ids (grade >= 1) in the top ``k``; 0.0 if none is relevant."""
    if k < 1:
        raise ValueError("k must be >= 1")
    relevant = {doc_id for doc_id, grade in grades.items() if grade >= 1}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked_ids[:k])) / len(relevant)


def mrr(ranked_ids: Sequence[Hashable], grades: Grades, k: int | None = None) -> float:
    """Reciprocal rank of the first relevant id within the first ``k`` (all if None)."""
    cutoff = ranked_ids if k is None else ranked_ids[:k]
    for position, doc_id in enumerate(cutoff, start=1):
        if grades.get(doc_id, 0) >= 1:
            return 1.0 / position
    return 0.0


def over_budget_share(results: Sequence[Any]) -> float:
    """Share of ``results`` that are over budget.

    Items may be booleans or objects with an ``over_budget`` attribute (``RankedResult``).
    An empty list has share 0.0.
    """
    if not results:
        return 0.0
    flags = [item if isinstance(item, bool) else bool(item.over_budget) for item in results]
    return sum(flags) / len(flags)


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of non-negative values (0.0 for an empty or all-zero input)."""
    data = sorted(float(v) for v in values)
    if any(v < 0 for v in data):
        raise ValueError("gini needs non-negative values")
    n = len(data)
    total = sum(data)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum(position * value for position, value in enumerate(data, start=1))
    return (2.0 * weighted) / (n * total) - (n + 1.0) / n


def evaluate(
    runs: Mapping[Hashable, Sequence[Hashable]],
    qrels: Mapping[Hashable, Grades],
    k: int = 10,
) -> dict[str, float]:
    """Mean nDCG@k, recall@k and MRR@k over the judged queries (plus their count).

    Every query in ``qrels`` counts (a query missing from ``runs`` is an empty ranking that
    scores 0); queries without judgments are skipped, since nothing can be said about them.
    """
    per_query: dict[str, list[float]] = {f"ndcg@{k}": [], f"recall@{k}": [], f"mrr@{k}": []}
    for query_id, grades in qrels.items():
        ranked = list(runs.get(query_id, []))
        per_query[f"ndcg@{k}"].append(ndcg_at_k(ranked, grades, k))
        per_query[f"recall@{k}"].append(recall_at_k(ranked, grades, k))
        per_query[f"mrr@{k}"].append(mrr(ranked, grades, k))
    summary = {name: (statistics.fmean(values) if values else 0.0) for name, values in per_query.items()}
    summary["queries"] = float(len(qrels))
    return summary
