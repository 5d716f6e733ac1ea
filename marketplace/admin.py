"""Django admin: browse, search and filter the two sides of the market, and import/export the
catalog and needs files through the same services as the management commands."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from marketplace import models, services
from marketplace.interchange.importer import ImportFailed
from marketplace.interchange.tables import FORMATS, FileError, format_of
from marketplace.limits import first_problems

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


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件 (.csv / .xlsx / .json)"))
    dry_run = forms.BooleanField(label=_("仅校验，不写入"), required=False)


class InterchangeAdmin(admin.ModelAdmin):
    """Adds 'import file' and 'export file' to a changelist, backed by the interchange services."""

    change_list_template = "admin/marketplace/interchange_change_list.html"
    interchange_name: str  # "catalog" or "needs"
    actions = ["export_selected"]

    def _importer(self):
        return getattr(services, f"{self.interchange_name}_import")

    def _exporter(self):
        return getattr(services, f"{self.interchange_name}_export")

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
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("ref", "name", "city", "county", "tier", "lead_capacity", "solution_count")
    list_filter = ("tier", "city", ("county", admin.RelatedOnlyFieldListFilter))
    search_fields = ("ref", "name", "credit_code", "solutions__title")
    list_select_related = ("city", "county", "tier")
    autocomplete_fields = ("county",)
    inlines = [SolutionInline]

    @admin.display(description=_("方案数"))
    def solution_count(self, obj: models.Provider) -> int:
        return obj.solutions.count()


@admin.register(models.Solution)
class SolutionAdmin(InterchangeAdmin):
    interchange_name = "catalog"
    list_display = (
        "ref", "title", "provider", "category", "price_min", "price_max", "deployment_weeks", "cases", "is_active",
    )
    list_filter = (
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
    list_per_page = 50


@admin.register(models.Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("ref", "name", "industry", "city", "county", "specialized_level")
    list_filter = ("industry", "city", ("county", admin.RelatedOnlyFieldListFilter), "specialized_level")
    search_fields = ("ref", "name", "credit_code")
    list_select_related = ("industry", "city", "county", "specialized_level")
    autocomplete_fields = ("county",)


@admin.register(models.Need)
class NeedAdmin(InterchangeAdmin):
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


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "enterprise", "provider", "is_staff")
    list_filter = ("is_staff", "is_superuser", "is_active")
    autocomplete_fields = ("enterprise", "provider")
    fieldsets = BaseUserAdmin.fieldsets + ((_("所属机构"), {"fields": ("enterprise", "provider")}),)


class ReferenceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "position")
    search_fields = ("code", "name_zh", "name_en")


for reference_model in (models.Category, models.Industry, models.Tier, models.DeliveryMode, models.SpecializedLevel):
    admin.site.register(reference_model, ReferenceAdmin)


@admin.register(models.City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "position")
    search_fields = ("name", "name_en")


@admin.register(models.County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "position")
    list_filter = ("city",)
    search_fields = ("name", "city__name")
    list_select_related = ("city",)


class ReadOnly(admin.ModelAdmin):
    """Written only by services (with their checks and audit trail); the admin looks."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Proposal)
class ProposalAdmin(ReadOnly):
    list_display = ("need", "provider", "solution", "price_quote", "weeks", "status", "created_at", "decided_at")
    list_filter = ("status", "provider__tier", "need__enterprise__city")
    search_fields = ("need__ref", "need__title", "provider__name", "solution__ref")
    list_select_related = ("need", "provider", "solution")


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnly):
    list_display = ("at", "action", "actor", "need", "proposal", "data")
    list_filter = ("action",)
    search_fields = ("need__ref", "actor__username")
    list_select_related = ("actor", "need", "proposal")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("created_at", "user", "kind", "need", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "need__ref")
    list_select_related = ("user", "need")
