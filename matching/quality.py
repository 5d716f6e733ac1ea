"""Reads behind the administrator's pages: how good the matching is and where it fails.

* the offline evaluation (every variant of ``evaluation.VARIANTS``) on the labelled development
  set in ``fixtures/dev/`` and on the staff labels, cached in Django's cache under the index
  version, the labels stamp and the saved weights, since it runs hundreds of searches;
* the same product ranking with other weights, beside the current ones (the weights preview);
* budget coverage of the open needs (the docking funnel and lead exposure, which read the
  docking workflow's rows, are in ``marketplace.docking.metrics``);
* the failures: open needs without an in-budget match, the solutions most often labelled
  irrelevant; the review queue of stored matches nobody has labelled yet;
* demand by county and category for a county government (the "industry brain" heat table).
"""
from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from marketplace.catalog.models import Category, City, County, Need, Solution
from matching import evaluation, jobs, selectors, services
from matching.engine import NeedQuery, RankingWeights
from matching.models import IndexState, Match, MatchLabel, RankingSettings
from matching.queries import QueryFileError, queries_from_file

CACHE_SECONDS = 24 * 3600
METRICS = ("ndcg@10", "recall@10", "mrr", "over_budget@5")
# A higher over-budget share is worse; for the other metrics higher is better.
LOWER_IS_BETTER = {"over_budget@5"}

Queries = dict[str, NeedQuery]
Qrels = dict[str, dict[str, int]]


# ------------------------------------------------------------------ offline evaluation


def dev_set() -> tuple[Queries, Qrels] | None:
    """The labelled development set (needs read, not imported), or None when it is absent."""
    folder = Path(settings.MATCHING["DEV_SET_DIR"])
    try:
        queries = dict(queries_from_file(folder / "needs.csv"))
        qrels = evaluation.read_qrels((folder / "qrels.csv").read_bytes())
    except (QueryFileError, OSError, evaluation.QrelsError):
        return None
    return queries, {ref: grades for ref, grades in qrels.items() if ref in queries}


def label_set() -> tuple[Queries, Qrels] | None:
    """The staff labels as qrels with their needs' queries, or None before any label."""
    qrels = services.labelled_qrels()
    if not qrels:
        return None
    needs = Need.objects.filter(ref__in=qrels).select_related("enterprise", "enterprise__county")
    return {need.ref: selectors.need_query(need) for need in needs}, qrels


def labels_stamp() -> tuple:
    return tuple(MatchLabel.objects.aggregate(n=Count("pk"), last=Max("updated_at")).values())


def index_version() -> int:
    return IndexState.objects.filter(name=IndexState.SOLUTIONS).values_list("version", flat=True).first() or 0


def weights_stamp() -> str:
    saved = RankingSettings.objects.filter(pk=RankingSettings.SINGLETON).values_list("updated_at", flat=True).first()
    return saved.isoformat() if saved else "settings"


def _cache_key() -> str:
    count, last = labels_stamp()
    stamp = f"{index_version()}:{count}:{last.isoformat() if last else '-'}:{weights_stamp()}"
    return "staff:evaluation:" + stamp.replace(" ", "_")


def evaluation_report(*, refresh: bool = False) -> dict:
    """Every variant on the development set and on the staff labels, with when it was computed.

    ``{"computed_at", "cached", "dev": rows | None, "labels": rows | None}``; rows as
    ``evaluation.run`` gives them. Raises ``services.IndexUnavailable`` when there is no index."""
    key = _cache_key()
    report = None if refresh else cache.get(key)
    if report is not None:
        return {**report, "cached": True}
    matcher = services.get_matcher()
    report = {"computed_at": timezone.now(), "dev": None, "labels": None}
    for name, found in (("dev", dev_set()), ("labels", label_set())):
        if found is not None and found[1]:
            report[name] = evaluation.run(matcher, found[0], found[1])
    cache.set(key, report, timeout=CACHE_SECONDS)
    return {**report, "cached": False}


COMPUTING_KEY = "staff:evaluation:computing"


def evaluation_compute() -> None:
    """Job: compute the evaluation and cache it. It runs in a worker (or the embedded job
    thread), never in a request: the whole run is 10 variants x every judged need."""
    try:
        evaluation_report(refresh=True)
    finally:
        cache.delete(COMPUTING_KEY)


def evaluation_cached() -> dict | None:
    """The cached evaluation at the current index, labels and weights, or None."""
    report = cache.get(_cache_key())
    return {**report, "cached": True} if report is not None else None


def evaluation_request(*, again: bool = False) -> None:
    """Queue ``evaluation_compute`` unless one is already queued (``again``: even if the cached
    one is current, as the dashboard's recompute button asks)."""
    if cache.add(COMPUTING_KEY, True, timeout=15 * 60) or again:
        jobs.enqueue(evaluation_compute)


def product_row(rows: list[dict] | None) -> dict | None:
    return next((row for row in rows or () if row["variant"] == evaluation.PRODUCT), None)


@dataclass(frozen=True)
class MetricChange:
    metric: str
    current: float
    proposed: float

    @property
    def delta(self) -> float:
        return self.proposed - self.current

    @property
    def better(self) -> bool | None:
        """True if the change improves the metric, False if it worsens it, None if unchanged."""
        if abs(self.delta) < 5e-4:
            return None
        return (self.delta < 0) if self.metric in LOWER_IS_BETTER else (self.delta > 0)


def weights_preview(*, proposed: RankingWeights) -> dict:
    """The product ranking with ``proposed`` weights beside the current ones, per set and metric.

    Runs searches only: nothing is written and the loaded matcher keeps its weights.
    ``{"dev": [MetricChange] | None, "labels": [MetricChange] | None, "needs": {set: n}}``"""
    report = evaluation_report()
    matcher = services.get_matcher()
    product = next(v for v in evaluation.VARIANTS if v.name == evaluation.PRODUCT)
    # The product's own overrides (if any) apply over the proposed weights, as over the current ones.
    weights = dataclasses.replace(proposed, **getattr(product, "weights", {}))
    variant = evaluation.Variant(product.name, {**product.search, "weights": weights})
    preview: dict = {"needs": {}}
    for name, found in (("dev", dev_set()), ("labels", label_set())):
        current = product_row(report.get(name))
        if found is None or not found[1] or current is None:
            preview[name] = None
            continue
        new = evaluation.run(matcher, found[0], found[1], variants=[variant])[0]
        preview[name] = [MetricChange(metric, current[metric], new[metric]) for metric in METRICS]
        preview["needs"][name] = new["needs"]
    return preview


# ------------------------------------------------------------------------ online figures


def coverage() -> dict:
    """Open needs with at least one in-budget stored match."""
    open_needs = Need.objects.filter(status=Need.Status.OPEN)
    total = open_needs.count()
    covered = open_needs.filter(Exists(Match.objects.filter(need=OuterRef("pk"), over_budget=False))).count()
    return {"open_needs": total, "covered": covered, "share": covered / total if total else None}


def uncovered_needs(limit: int = 20) -> QuerySet[Need]:
    """Open needs without any in-budget match, newest first: where the catalog falls short."""
    return (
        Need.objects.filter(status=Need.Status.OPEN)
        .exclude(Exists(Match.objects.filter(need=OuterRef("pk"), over_budget=False)))
        .select_related("enterprise", "enterprise__industry", "enterprise__county")
        .order_by("-created_at", "-pk")[:limit]
    )


def irrelevant_solutions(limit: int = 10) -> QuerySet:
    """Solutions staff labelled not relevant most often (and how often relevant, for contrast)."""
    return (
        Solution.objects.annotate(
            irrelevant=Count("match_labels", filter=Q(match_labels__grade=MatchLabel.Grade.NOT_RELEVANT)),
            labelled=Count("match_labels"),
        )
        .filter(irrelevant__gt=0)
        .select_related("provider", "category")
        .order_by("-irrelevant", "labelled", "ref")[:limit]
    )


def label_summary() -> dict:
    """How many pairs staff labelled, per grade, and the share judged at least partly relevant."""
    counts = dict(MatchLabel.objects.values_list("grade").annotate(n=Count("pk")))
    total = sum(counts.values())
    grades = {grade: counts.get(grade, 0) for grade in (2, 1, 0)}
    useful = grades[2] + grades[1]
    return {"total": total, "grades": grades, "useful_share": useful / total if total else None}


# ---------------------------------------------------------------------------- review


def review_queue() -> QuerySet[Match]:
    """Stored matches nobody has labelled: top ranks first, the newest needs first within a rank."""
    labelled = MatchLabel.objects.filter(need=OuterRef("need"), solution=OuterRef("solution"))
    return (
        Match.objects.filter(~Exists(labelled))
        .select_related(
            "need", "need__enterprise", "need__enterprise__industry", "need__enterprise__county",
            "solution", "solution__provider", "solution__category",
        )
        .order_by("rank", "-need__created_at", "-need__pk")
    )  # fmt: skip


def recent_labels(limit: int = 8) -> QuerySet[MatchLabel]:
    return MatchLabel.objects.select_related("need", "solution", "labelled_by")[:limit]


# ---------------------------------------------------------------------- demand by county


@dataclass
class DemandRow:
    city: City
    county: County | None  # None: enterprises that gave no county
    cells: list[int]
    unmatched: int

    @property
    def total(self) -> int:
        return sum(self.cells) + self.unmatched


def demand_table(*, city: str | None = None) -> dict:
    """Open needs by the enterprise's county (rows, grouped by city) and the category of the
    need's best stored match (columns; needs without a match in their own column), with totals.

    Only counties with at least one open need are rows; ``city`` keeps one city."""
    categories = list(Category.objects.order_by("position"))
    column = {c.code: index for index, c in enumerate(categories)}
    open_needs = Need.objects.filter(status=Need.Status.OPEN)
    if city:
        open_needs = open_needs.filter(enterprise__city_id=city)
    best = Match.objects.filter(need=OuterRef("pk")).order_by("rank").values("solution__category")[:1]
    counted = (
        open_needs.annotate(category=models.Subquery(best))
        .values("enterprise__city", "enterprise__county", "category")
        .annotate(n=Count("pk"))
    )
    rows: dict[tuple[str, int | None], DemandRow] = {}
    cities = {c.name: c for c in City.objects.all()}
    counties = County.objects.in_bulk({r["enterprise__county"] for r in counted if r["enterprise__county"]})
    for record in counted:
        key = (record["enterprise__city"], record["enterprise__county"])
        row = rows.get(key)
        if row is None:
            row = rows[key] = DemandRow(cities[key[0]], counties.get(key[1]), [0] * len(categories), 0)
        if record["category"] in column:
            row.cells[column[record["category"]]] += record["n"]
        else:
            row.unmatched += record["n"]
    ordered = sorted(
        rows.values(),
        key=lambda r: (r.city.position, r.county is None, r.county.position if r.county else 0),
    )
    groups = []
    for row in ordered:
        if not groups or groups[-1]["city"] != row.city:
            groups.append({"city": row.city, "rows": []})
        groups[-1]["rows"].append(row)
    for group in groups:
        group["cells"] = [sum(r.cells[i] for r in group["rows"]) for i in range(len(categories))]
        group["unmatched"] = sum(r.unmatched for r in group["rows"])
        group["total"] = sum(r.total for r in group["rows"])
    totals = [sum(r.cells[i] for r in ordered) for i in range(len(categories))]
    return {
        "categories": categories,
        "groups": groups,
        "totals": totals,
        "unmatched": sum(r.unmatched for r in ordered),
        "total": sum(r.total for r in ordered),
        "peak": max([cell for r in ordered for cell in r.cells] + [0]),
    }


def demand_csv(table: Mapping, *, headers: Iterable[str], category_names: Iterable[str]) -> bytes:
    """The demand table as CSV in UTF-8 with a BOM (so Excel reads the Chinese), one line per
    county, then one total line per city and the grand total."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    city_h, county_h, unmatched_h, total_h, all_h = headers
    writer.writerow([city_h, county_h, *category_names, unmatched_h, total_h])
    for group in table["groups"]:
        for row in group["rows"]:
            writer.writerow([str(row.city), row.county.name if row.county else "", *row.cells, row.unmatched, row.total])
    for group in table["groups"]:
        writer.writerow([str(group["city"]), total_h, *group["cells"], group["unmatched"], group["total"]])
    writer.writerow([all_h, "", *table["totals"], table["unmatched"], table["total"]])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
