"""Read-only views of what the matcher stored: index versions, each need's matches, labels."""
from django.contrib import admin

from marketplace.catalog.admin import ReadOnly
from matching.explain import render
from matching.models import IndexState, Match, MatchLabel


@admin.register(IndexState)
class IndexStateAdmin(ReadOnly):
    list_display = ("name", "version", "size", "identity", "recipe", "built_at", "updated_at")


@admin.register(Match)
class MatchAdmin(ReadOnly):
    list_display = ("need", "rank", "solution", "score", "over_budget", "reasons_text", "computed_at")
    list_filter = ("over_budget", "solution__category", "need__enterprise__city")
    search_fields = ("need__ref", "need__title", "solution__ref", "solution__title")
    list_select_related = ("need", "solution")

    @admin.display(description="推荐理由")
    def reasons_text(self, obj: Match) -> str:
        return " / ".join(render(obj.reasons))


@admin.register(MatchLabel)
class MatchLabelAdmin(ReadOnly):
    list_display = ("need", "solution", "grade", "note", "labelled_by", "updated_at")
    list_filter = ("grade",)
    search_fields = ("need__ref", "solution__ref", "note")
    list_select_related = ("need", "solution", "labelled_by")
