"""Offline evaluation of the ranking on labelled needs (qrels), with the ablations of README."""
from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from matching.engine import Matcher, NeedQuery
from matching.engine.language import text_language
from matching.engine.metrics import evaluate, over_budget_share


@dataclass(frozen=True)
class Variant:
    name: str
    search: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)  # overrides of the matcher's RankingWeights


# Plain retrieval as a baseline elsewhere would run it: no category feedback, no term focus,
# and budget, region and industry as hard filters.
NAIVE_FILTERED = {
    "category_feedback": 0.0,
    "term_focus": False,
    "hard_region_filter": True,
    "hard_industry_filter": True,
    "cross_language_fusion": False,
    "dense_language_alignment": 0.0,
    "glossary_expansion": 0.0,
}

# dense / lexical / fused rank by relevance alone, with no filter (their raw behaviour);
# "dense / lexical / rrf + filters" are the naive baselines of NAIVE_FILTERED;
# "fused + filters" keeps relevance order but drops over-budget (and, by default, unserved) solutions;
# "+ structured" is the product: filters plus budget, industry, region, speed, record.
VARIANTS = (
    Variant("dense only", {"channels": ("dense",), "structured": False}),
    Variant("lexical only", {"channels": ("lexical",), "structured": False}),
    Variant("fused (blend)", {"structured": False, "fusion": "blend"}),
    Variant("fused (rrf)", {"structured": False, "fusion": "rrf"}),
    Variant("dense + filters", {"channels": ("dense",), "structured": False, "hard_filters": True}, NAIVE_FILTERED),
    Variant("lexical + filters", {"channels": ("lexical",), "structured": False, "hard_filters": True}, NAIVE_FILTERED),
    Variant("rrf + filters", {"structured": False, "fusion": "rrf", "hard_filters": True}, NAIVE_FILTERED),
    Variant("fused + filters", {"structured": False, "hard_filters": True}),
    Variant("fused + structured (rrf)", {"fusion": "rrf"}),
    Variant("fused + structured (blend)", {"fusion": "blend"}),
)
PRODUCT = "fused + structured (blend)"  # the variant the product serves

QRELS_COLUMNS = ("need_ref", "solution_ref", "grade")
SAME_LANGUAGE, CROSS_LANGUAGE = "same-language", "cross-language"


class QrelsError(ValueError):
    pass


def read_qrels(data: bytes) -> dict[str, dict[str, int]]:
    """need_ref -> solution_ref -> grade (0-2) from a qrels CSV."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    if tuple(reader.fieldnames or ()) != QRELS_COLUMNS:
        raise QrelsError(f"row 1: qrels columns must be {', '.join(QRELS_COLUMNS)}; got {reader.fieldnames}")
    qrels: dict[str, dict[str, int]] = {}
    for number, row in enumerate(reader, start=2):
        if row["grade"] not in ("0", "1", "2"):
            raise QrelsError(f'row {number}, column grade: must be 0, 1 or 2, got "{row["grade"]}"')
        qrels.setdefault(row["need_ref"], {})[row["solution_ref"]] = int(row["grade"])
    return qrels


def language_slices(
    need_texts: Mapping[str, str], solution_texts: Mapping[str, str], qrels: Mapping[str, Mapping[str, int]]
) -> dict[str, set[str]]:
    """The judged needs split by language: a need is cross-language when at least one of its
    fully relevant (grade 2) solutions is written in the other language, else same-language.
    Solutions without a text are not counted either way."""
    slices: dict[str, set[str]] = {SAME_LANGUAGE: set(), CROSS_LANGUAGE: set()}
    for ref, grades in qrels.items():
        if ref not in need_texts:
            continue
        language = text_language(need_texts[ref])
        best = [text_language(solution_texts[s]) for s, grade in grades.items() if grade == 2 and s in solution_texts]
        slices[CROSS_LANGUAGE if any(other != language for other in best) else SAME_LANGUAGE].add(ref)
    return slices


def run(
    matcher: Matcher,
    queries: dict[str, NeedQuery],
    qrels: dict[str, dict[str, int]],
    variants: Iterable[Variant] = VARIANTS,
    k: int = 10,
    slices: Mapping[str, set[str]] | None = None,
) -> list[dict]:
    """One row of metrics per variant.

    judged@k is the share of the top k that the qrels grade: unjudged results count as not
    relevant, so a variant far below 1.0 is measured unfairly low until its results are judged.
    With ``slices`` (name -> need refs, e.g. :func:`language_slices`), each row also has
    ``ndcg@k <name>`` over the judged needs of that slice, and ``needs <name>``.
    """
    judged = {ref: q for ref, q in queries.items() if ref in qrels}
    rows = []
    for variant in variants:
        runs, over_budget, coverage = {}, [], []
        search = dict(variant.search)
        if variant.weights:
            search["weights"] = dataclasses.replace(matcher.weights, **variant.weights)
        for ref, query in judged.items():
            results = matcher.search(query, top_k=k, **search)
            runs[ref] = [r.solution.ref for r in results]
            over_budget.append(over_budget_share(results[:5]))
            coverage.append(sum(s in qrels[ref] for s in runs[ref]) / max(len(runs[ref]), 1))
        metrics = evaluate(runs, {ref: qrels[ref] for ref in judged}, k=k)
        parts = {name: {ref: qrels[ref] for ref in judged if ref in refs} for name, refs in (slices or {}).items()}
        rows.append({
            "variant": variant.name,
            f"ndcg@{k}": metrics[f"ndcg@{k}"],
            **{f"ndcg@{k} {name}": evaluate(runs, part, k=k)[f"ndcg@{k}"] if part else 0.0
               for name, part in parts.items()},
            f"recall@{k}": metrics[f"recall@{k}"],
            "mrr": metrics[f"mrr@{k}"],
            "over_budget@5": sum(over_budget) / len(over_budget) if over_budget else 0.0,
            f"judged@{k}": sum(coverage) / len(coverage) if coverage else 0.0,
            "needs": len(judged),
            **{f"needs {name}": len(part) for name, part in parts.items()},
        })
    return rows


def markdown(rows: list[dict]) -> str:
    keys = [key for key in rows[0] if key != "variant"]
    lines = ["| variant | " + " | ".join(keys) + " |", "| --- |" + " ---: |" * len(keys)]
    for row in rows:
        cells = [f"{row[key]:.3f}" if isinstance(row[key], float) else str(row[key]) for key in keys]
        lines.append(f"| {row['variant']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
