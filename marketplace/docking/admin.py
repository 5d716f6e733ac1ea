"""Django admin: browse, search and filter the two sides of the market, and import/export the
catalog and needs files through the same services as the management commands. An edit here is a
write like any other: matching follows after the commit (``services.sync``)."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from marketplace.catalog import models, verification
from marketplace.catalog.admin import ReadOnly
from marketplace.catalog.interchange import exports
from marketplace.docking import services
from marketplace.docking.services import sync
from marketplace.catalog.interchange.importer import ImportFailed
from marketplace.catalog.interchange.tables import FORMATS, FileError, format_of
from marketplace.docking.models import Lead, Notification, Proposal
from marketplace.catalog.limits import first_problems

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PriceFilter(admin.SimpleListFilter):
    """Price bands in 万元, matching how SMEs state budgets (70% can spend under 20万)."""

    title = _("起步价")
    parameter_name = "price"
    BANDS = {
        "lt50k": (_("5万以下"), 0, 50_000),
        "50k-200k": (_("5万-20万"), 50_000, 200_000),
        "200k-500k": (_("20万-50万"), 200_000, 500_000),
        "500k-1m": (_("50万-100万"), 500_000, 1_000_000),
        "gte1m": (_("100万及以上"), 1_000_000, None),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _low, _high) in self.BANDS.items()]

    def queryset(self, request, queryset):
        if self.value() not in self.BANDS:
            return queryset
        _label, low, high = self.BANDS[self.value()]
        queryset = queryset.filter(price_min__gte=low)
        return queryset if high is None else queryset.filter(price_min__lt=high)


class BudgetFilter(PriceFilter):
    title = _("预算上限")
    parameter_name = "budget"

    def queryset(self, request, queryset):
        if self.value() not in self.BANDS:
            return queryset
        _label, low, high = self.BANDS[self.value()]
        queryset = queryset.filter(budget_max__gte=low)
        return queryset if high is None else queryset.filter(budget_max__lt=high)


class CasesVerifiedFilter(admin.SimpleListFilter):
    title = _("案例核实")
    parameter_name = "cases_verified"

    def lookups(self, request, model_admin):
        return [("yes", _("已核实")), ("no", _("未核实"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(cases_verified_at__isnull=self.value() == "no")
        return queryset


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件 (.csv / .xlsx / .json)"))
    dry_run = forms.BooleanField(label=_("仅校验，不写入"), required=False)


class KeepsMatchingInStep(admin.ModelAdmin):
    """After an admin save or delete commits, the matcher follows (``sync``), as after a service's write."""

    def follow(self, objects) -> None:
        raise NotImplementedError

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)  # links and inlines saved: the facts are complete
        self.follow([form.instance])

    def delete_model(self, request, obj) -> None:
        self.follow([obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        self.follow(list(queryset))
        super().delete_queryset(request, queryset)


class SolutionsFollow(KeepsMatchingInStep):
    def follow(self, objects) -> None:
        sync.solutions_saved(obj.pk for obj in objects)


class NeedsFollow(KeepsMatchingInStep):
    def follow(self, objects) -> None:
        sync.needs_saved(obj.pk for obj in objects)


class InterchangeAdmin(admin.ModelAdmin):
    """Adds 'import file' and 'export file' to a changelist, backed by the interchange services."""

    change_list_template = "admin/marketplace/interchange_change_list.html"
    interchange_name: str  # "catalog" or "needs"
    actions = ["export_selected"]

    def _importer(self):
        return getattr(services, f"{self.interchange_name}_import")

    def _exporter(self):
        return getattr(exports, f"{self.interchange_name}_export")

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            path("export/", self.admin_site.admin_view(self.export_view), name="%s_%s_export" % info),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "export_formats": FORMATS}
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = self._importer()(
                    data=upload.read(), fmt=format_of(upload.name), dry_run=form.cleaned_data["dry_run"]
                )
            except FileError as error:
                errors = error.errors
            except ImportFailed as failure:
                errors = failure.report.errors
            else:
                messages.success(request, report.summary())
                info = self.opts.app_label, self.opts.model_name
                return redirect(reverse("admin:%s_%s_changelist" % info))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "errors": first_problems(errors),
            "title": _("导入文件"),
        }
        return TemplateResponse(request, "admin/marketplace/interchange_import.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return redirect("admin:index")
        fmt = request.GET.get("format", "csv")
        if fmt not in FORMATS:
            fmt = "csv"
        return self._download(self._exporter()(fmt=fmt), fmt)

    @admin.action(description=_("导出所选 (CSV)"))
    def export_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        key = "solutions" if self.interchange_name == "catalog" else "needs"
        return self._download(self._exporter()(fmt="csv", **{key: queryset}), "csv")

    def _download(self, data: bytes, fmt: str) -> HttpResponse:
        response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{self.interchange_name}.{fmt}"'
        return response


class SolutionInline(admin.TabularInline):
    model = models.Solution
    fields = ("ref", "title", "category", "price_min", "price_max", "deployment_weeks", "is_active")
    show_change_link = True
    extra = 0


@admin.register(models.Provider)
class ProviderAdmin(KeepsMatchingInStep):
    list_display = ("ref", "name", "city", "county", "tier", "lead_capacity", "solution_count")
    list_filter = ("tier", "city", ("county", admin.RelatedOnlyFieldListFilter))
    search_fields = ("ref", "name", "credit_code", "solutions__title")
    list_select_related = ("city", "county", "tier")
    autocomplete_fields = ("county",)
    inlines = [SolutionInline]

    def follow(self, providers) -> None:  # a provider's name, place and tier are facts of its solutions
        sync.solutions_saved(models.Solution.objects.filter(provider__in=[p.pk for p in providers]).values_list("pk", flat=True))

    @admin.display(description=_("方案数"))
    def solution_count(self, obj: models.Provider) -> int:
        return obj.solutions.count()


@admin.register(models.Solution)
class SolutionAdmin(InterchangeAdmin, SolutionsFollow):
    interchange_name = "catalog"
    list_display = (
        "ref", "title", "provider", "category", "price_min", "price_max", "deployment_weeks", "cases", "cases_checked",
        "is_active",
    )
    list_filter = (
        CasesVerifiedFilter,
        "category",
        ("industries", admin.RelatedOnlyFieldListFilter),
        PriceFilter,
        "provider__tier",
        "provider__city",
        ("provider__county", admin.RelatedOnlyFieldListFilter),
        "delivery_mode",
        "all_regions",
        "is_active",
    )
    search_fields = ("ref", "title", "description", "provider__name", "provider__ref")
    list_select_related = ("provider", "category")
    autocomplete_fields = ("provider",)
    filter_horizontal = ("industries", "regions_served", "case_industries")
    readonly_fields = ("cases_verified_at", "cases_verified_by")
    list_per_page = 50
    actions = ["export_selected", "verify_cases", "unverify_cases"]

    @admin.display(description=_("案例已核实"), boolean=True, ordering="cases_verified_at")
    def cases_checked(self, obj: models.Solution) -> bool:
        return obj.cases_verified

    @admin.action(description=_("核实所选方案的案例"))
    def verify_cases(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.solution_cases_verify(actor=request.user, solutions=queryset)
        messages.success(request, _("已核实 %(count)s 个方案的案例") % {"count": count})

    @admin.action(description=_("撤销所选方案的案例核实"))
    def unverify_cases(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.solution_cases_verify(actor=request.user, solutions=queryset, verified=False)
        messages.success(request, _("已撤销 %(count)s 个方案的案例核实") % {"count": count})

    def save_model(self, request, obj, form, change) -> None:
        obj.claims_before = verification.verified_claims([obj.pk]) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)  # links saved: the claim is complete
        verification.lapse(getattr(form.instance, "claims_before", {}))


@admin.register(models.Enterprise)
class EnterpriseAdmin(KeepsMatchingInStep):
    list_display = ("ref", "name", "industry", "city", "county", "specialized_level")
    list_filter = ("industry", "city", ("county", admin.RelatedOnlyFieldListFilter), "specialized_level")
    search_fields = ("ref", "name", "credit_code")
    list_select_related = ("industry", "city", "county", "specialized_level")
    autocomplete_fields = ("county",)

    def follow(self, enterprises) -> None:  # a need's industry and place are its enterprise's
        sync.needs_saved(
            models.Need.objects.filter(enterprise__in=[e.pk for e in enterprises], status=models.Need.Status.OPEN)
            .values_list("pk", flat=True)
        )


@admin.register(models.Need)
class NeedAdmin(InterchangeAdmin, NeedsFollow):
    interchange_name = "needs"
    list_display = ("ref", "title", "enterprise", "industry", "city", "budget_max", "timeline_weeks", "status")
    list_filter = (
        "status",
        ("enterprise__industry", admin.RelatedOnlyFieldListFilter),
        BudgetFilter,
        "enterprise__city",
        ("enterprise__county", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("ref", "title", "description", "enterprise__name")
    list_select_related = ("enterprise__industry", "enterprise__city")
    autocomplete_fields = ("enterprise",)
    list_per_page = 50

    @admin.display(description=_("行业"), ordering="enterprise__industry")
    def industry(self, obj: models.Need) -> str:
        return str(obj.enterprise.industry)

    @admin.display(description=_("城市"), ordering="enterprise__city")
    def city(self, obj: models.Need) -> str:
        return str(obj.enterprise.city)


@admin.register(Proposal)
class ProposalAdmin(ReadOnly):
    list_display = ("need", "provider", "solution", "price_quote", "weeks", "status", "created_at", "decided_at")
    list_filter = ("status", "provider__tier", "need__enterprise__city")
    search_fields = ("need__ref", "need__title", "provider__name", "solution__ref")
    list_select_related = ("need", "provider", "solution")


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("created_at", "user", "kind", "need", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "need__ref")
    list_select_related = ("user", "need")


@admin.register(Lead)
class LeadAdmin(ReadOnly):
    list_display = ("provider", "need", "solution", "score", "month")
    list_filter = ("month", "provider__tier", "need__enterprise__city")
    search_fields = ("provider__name", "need__title", "need__ref")
    list_select_related = ("provider", "need", "solution")
