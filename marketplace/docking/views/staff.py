"""The administrator's pages (staff only): match quality, the review queue, the ranking weights
preview and the demand of counties by category. Reads go through ``matching.quality``, writes
through ``matching.services``. Names are in the ``staff`` namespace: {% url 'staff:dashboard' %}."""
from __future__ import annotations


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from marketplace.docking.forms import staff as forms_staff
from marketplace.docking import metrics
from marketplace.docking.views.access import role_required
from matching import evaluation, quality, services
from matching.models import MatchLabel, RankingSettings

VARIANT_NAMES = {
    "dense only": gettext_lazy("仅语义检索"),
    "lexical only": gettext_lazy("仅关键词检索"),
    "fused (blend)": gettext_lazy("两路融合（加权）"),
    "fused (rrf)": gettext_lazy("两路融合（倒数排名）"),
    "dense + filters": gettext_lazy("仅语义检索 + 硬过滤"),
    "lexical + filters": gettext_lazy("仅关键词检索 + 硬过滤"),
    "rrf + filters": gettext_lazy("倒数排名融合 + 硬过滤"),
    "fused + filters": gettext_lazy("融合 + 预算过滤"),
    "fused + structured (rrf)": gettext_lazy("融合 + 结构化排序（倒数排名）"),
    "fused + structured (blend)": gettext_lazy("融合 + 结构化排序（加权）"),
}
FUNNEL_STEPS = {
    "posted": gettext_lazy("发布的需求"),
    "matched": gettext_lazy("有预算内匹配"),
    "leads": gettext_lazy("已推送给服务商"),
    "interest": gettext_lazy("收到方案建议"),
    "accepted": gettext_lazy("企业接受方案"),
    "contracted": gettext_lazy("签约"),
}
EVALUATION_DONE = gettext_lazy("离线评估已重新计算。")
EVALUATION_QUEUED = gettext_lazy("离线评估正在后台重新计算，请稍后刷新页面。")
EVALUATION_COMPUTING = gettext_lazy("离线评估正在后台计算（约几分钟），请稍后刷新页面。")
INDEX_MISSING = gettext_lazy("匹配索引尚未建立，无法计算离线评估。请先运行 build_index。")
MAX_SKIP = 10_000


staff_required = role_required("staff", "marketplace/staff/forbidden.html")


def _rows(rows: list[dict] | None) -> list[dict] | None:
    """Evaluation rows with their display name; the product's row is marked."""
    if rows is None:
        return None
    return [
        {**row, "name": VARIANT_NAMES.get(row["variant"], row["variant"]), "product": row["variant"] == evaluation.PRODUCT}
        for row in rows
    ]


@staff_required
@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":  # recompute the offline evaluation, in the background
        asked = timezone.now()
        try:
            quality.evaluation_request(again=True)
        except services.IndexUnavailable:  # where jobs run inline
            messages.error(request, INDEX_MISSING)
            return redirect("staff:dashboard")
        report = quality.evaluation_cached()
        done = report is not None and report["computed_at"] >= asked
        messages.success(request, EVALUATION_DONE if done else EVALUATION_QUEUED)
        return redirect("staff:dashboard")
    report = quality.evaluation_cached()
    if report is None:  # a worker computes it; where jobs run inline it is there at once
        try:
            quality.evaluation_request()
        except services.IndexUnavailable:
            pass
        report = quality.evaluation_cached()
        report = {**report, "cached": False} if report else None
    # Without an index (and not allowed to build one) there is nothing to wait for.
    computing = report is None and (services.index_built() or services.config()["AUTO_REBUILD"])
    steps = metrics.funnel()
    for step in steps:
        step["label"] = FUNNEL_STEPS[step["key"]]
    return render(request, "marketplace/staff/dashboard.html", {
        "report": report,
        "dev_rows": _rows(report["dev"]) if report else None,
        "label_rows": _rows(report["labels"]) if report else None,
        "index_missing": INDEX_MISSING,
        "computing": computing,
        "computing_message": EVALUATION_COMPUTING,
        "funnel": steps,
        "coverage": quality.coverage(),
        "exposure": metrics.exposure(),
        "uncovered": quality.uncovered_needs(),
        "irrelevant": quality.irrelevant_solutions(),
        "labels": quality.label_summary(),
        "grades": MatchLabel.Grade,
    })  # fmt: skip


def _skip(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("skip", 0)), 0), MAX_SKIP)
    except (TypeError, ValueError):
        return 0


@staff_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    skip = _skip(request)
    if request.method == "POST":
        form = forms_staff.MatchLabelForm(request.POST)
        if form.is_valid():
            match = form.cleaned_data["match"]
            label = services.match_label_set(
                actor=request.user, need=match.need, solution=match.solution,
                grade=form.cleaned_data["grade"], note=form.cleaned_data["note"],
            )  # fmt: skip
            messages.success(request, _("已标注为“%(grade)s”：%(solution)s") % {
                "grade": label.get_grade_display(), "solution": match.solution.title,
            })  # fmt: skip
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        url = reverse("staff:review")
        return redirect(f"{url}?skip={skip}" if skip else url)
    queue = quality.review_queue()
    waiting = queue.count()
    skip = min(skip, max(waiting - 1, 0))
    match = queue[skip] if waiting else None
    return render(request, "marketplace/staff/review.html", {
        "match": match,
        "waiting": waiting,
        "skip": skip,
        "position": skip + 1,
        "next_skip": skip + 1 if skip + 1 < waiting else 0,
        "previous_skip": skip - 1 if skip > 0 else None,
        "form": forms_staff.MatchLabelForm(initial={"match": match.pk} if match else None),
        "grades": [(value, label) for value, label in reversed(MatchLabel.Grade.choices)],
        "recent": quality.recent_labels(),
        "labels": quality.label_summary(),
    })  # fmt: skip


@staff_required
@require_http_methods(["GET", "POST"])
def weights(request: HttpRequest) -> HttpResponse:
    current = services.weights()
    preview = None
    index_missing = False
    if request.method == "POST":
        form = forms_staff.RankingWeightsForm(request.POST)
        if form.is_valid() and request.POST.get("action") == "save":
            try:
                services.ranking_weights_save(actor=request.user, values=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("排序权重已保存，匹配结果将按新权重重新计算。"))
                return redirect("staff:weights")
        elif form.is_valid():
            try:
                preview = quality.weights_preview(proposed=form.weights)
            except services.IndexUnavailable:
                index_missing = True
    else:
        form = forms_staff.RankingWeightsForm(initial=current.to_dict())
    changed = (
        [name for name, value in form.weights.to_dict().items() if value != current.to_dict().get(name)]
        if preview is not None else []
    )  # fmt: skip
    return render(request, "marketplace/staff/weights.html", {
        "form": form,
        "current": {name: _display(value) for name, value in current.to_dict().items()},
        "changed": changed,
        "changed_labels": [form.fields[name].label for name in changed if name in form.fields],
        "preview": preview,
        "index_missing": INDEX_MISSING if index_missing else "",
        "saved": RankingSettings.objects.select_related("updated_by").filter(pk=RankingSettings.SINGLETON).first(),
    })  # fmt: skip


def _display(value) -> str:
    if isinstance(value, bool):
        return _("开启") if value else _("关闭")
    return f"{value:g}" if isinstance(value, float) else str(value)


def _city(request: HttpRequest) -> tuple[forms_staff.CityForm, str | None, bool]:
    form = forms_staff.CityForm(request.GET)
    if form.is_valid():
        city = form.cleaned_data["city"]
        return form, (city.name if city else None), False
    return forms_staff.CityForm(), None, True


@staff_required
def clusters(request: HttpRequest) -> HttpResponse:
    form, city, unknown = _city(request)
    table = quality.demand_table(city=city)
    peak = table["peak"] or 1
    for group in table["groups"]:
        for row in group["rows"]:
            row.heat = [(count, round(count / peak, 2)) for count in row.cells]
    return render(request, "marketplace/staff/clusters.html", {
        "form": form,
        "city": city,
        "unknown_city": forms_staff.UNKNOWN_CITY if unknown else "",
        "table": table,
        "export_query": f"?city={city}" if city else "",
    })  # fmt: skip


@staff_required
def clusters_csv(request: HttpRequest) -> HttpResponse:
    _form, city, _unknown = _city(request)
    table = quality.demand_table(city=city)
    data = quality.demand_csv(
        table,
        headers=(_("城市"), _("区县"), _("无匹配"), _("合计"), _("全省合计")),
        category_names=[str(category) for category in table["categories"]],
    )
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="demand-by-county.csv"'
    return response

