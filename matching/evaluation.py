"""Offline evaluation of the ranking on labelled needs (qrels), with the ablations of README."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from matching.engine import Matcher, NeedQuery
from matching.engine.metrics import evaluate, over_budget_share


@dataclass(frozen=True)
class Variant:
    name: str
    search: dict = field(default_factory=dict)


# dense / lexical / fused rank by relevance alone, with no filter (their raw behaviour);
# "+ filters" keeps relevance order but drops over-budget and unserved solutions;
# "+ structured" is the product: filters plus budget, industry, region, speed, record.
VARIANTS = (
    Variant("dense only", {"channels": ("dense",), "structured": False}),
    Variant("lexical only", {"channels": ("lexical",), "structured": False}),
    Variant("fused (blend)", {"structured": False, "fusion": "blend"}),
    Variant("fused (rrf)", {"structured": False, "fusion": "rrf"}),
    Variant("fused + filters", {"structured": False, "hard_filters": True}),
    Variant("fused + structured (rrf)", {"fusion": "rrf"}),
    Variant("fused + structured (blend)", {"fusion": "blend"}),
)
PRODUCT = "fused + structured (blend)"  # the variant the product serves

QRELS_COLUMNS = ("need_ref", "solution_ref", "grade")


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


def run(
    matcher: Matcher,
    queries: dict[str, NeedQuery],
    qrels: dict[str, dict[str, int]],
    variants: Iterable[Variant] = VARIANTS,
    k: int = 10,
) -> list[dict]:
    """One row of metrics per variant."""
    judged = {ref: q for ref, q in queries.items() if ref in qrels}
    rows = []
    for variant in variants:
        runs, over_budget = {}, []
        for ref, query in judged.items():
            results = matcher.search(query, top_k=k, **variant.search)
            runs[ref] = [r.solution.ref for r in results]
            over_budget.append(over_budget_share(results[:5]))
        metrics = evaluate(runs, {ref: qrels[ref] for ref in judged}, k=k)
        rows.append({
            "variant": variant.name,
            f"ndcg@{k}": metrics[f"ndcg@{k}"],
            f"recall@{k}": metrics[f"recall@{k}"],
            "mrr": metrics[f"mrr@{k}"],
            "over_budget@5": sum(over_budget) / len(over_budget) if over_budget else 0.0,
            "needs": len(judged),
        })
    return rows


def markdown(rows: list[dict]) -> str:
    keys = [key for key in rows[0] if key != "variant"]
    lines = ["| variant | " + " | ".join(keys) + " |", "| --- |" + " ---: |" * len(keys)]
    for row in rows:
        cells = [f"{row[key]:.3f}" if isinstance(row[key], float) else str(row[key]) for key in keys]
        lines.append(f"| {row['variant']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
