"""Django admin of the bottom layer: users, reference vocabularies and the audit trail. The two
sides of the market (providers, solutions, enterprises, needs) are edited in the docking admin,
whose saves keep matching in step."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from marketplace.catalog import models


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


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnly):
    list_display = ("at", "action", "actor", "need", "proposal_id", "data")
    list_filter = ("action",)
    search_fields = ("need__ref", "actor__username")
    list_select_related = ("actor", "need")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
