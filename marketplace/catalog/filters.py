"""Query-string filters of the catalog (django-filter parses and validates them).

A search costs one clause per distinct word, at most ``limits.QUERY_WORDS_MAX`` words, and every
text value has a length limit: ``q=a a a ...`` with thousands of words once built thousands of
``LIKE`` clauses (minutes on PostgreSQL, "Expression tree is too large" on SQLite).
"""
import django_filters
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from marketplace.catalog import limits, models

QUERY_TOO_LONG = _("关键词过长，最多 %(limit_value)s 个字符")
VALUE_TOO_LONG = _("筛选值过长，最多 %(limit_value)s 个字符")


class TextFilter(django_filters.CharFilter):
    """A text value of bounded length."""

    def __init__(self, *args, max_length: int = limits.FILTER_VALUE_MAX_CHARS, **kwargs):
        message = QUERY_TOO_LONG if max_length == limits.QUERY_MAX_CHARS else VALUE_TOO_LONG
        super().__init__(*args, max_length=max_length, error_messages={"max_length": message}, **kwargs)


def search(queryset: QuerySet, value: str, *fields: str) -> QuerySet:
    """Rows whose ``fields`` (joined) contain every distinct word of ``value``: one clause a word."""
    words = limits.search_words(value)
    if not words:
        return queryset
    target = fields[0]
    if len(fields) > 1:
        # A line break between fields: a word never spans two of them.
        parts: list = []
        for field in fields:
            parts += [field, Value("\n")]
        queryset, target = queryset.annotate(searched_text=Concat(*parts[:-1], output_field=CharField())), "searched_text"
    condition = Q()
    for word in words:
        condition &= Q(**{f"{target}__icontains": word})
    return queryset.filter(condition)


class SolutionFilter(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(queryset=models.Category.objects.all(), to_field_name="code")
    industry = django_filters.ModelChoiceFilter(
        queryset=models.Industry.objects.all(), to_field_name="code", method="filter_industry",
        label="listed for this industry (or for every industry)",
    )  # fmt: skip
    city = django_filters.ModelChoiceFilter(
        queryset=models.City.objects.all(), method="filter_city", label="served in this city (or province-wide)"
    )
    county = TextFilter(field_name="provider__county__name", label="provider's county")
    tier = django_filters.ModelChoiceFilter(
        field_name="provider__tier", queryset=models.Tier.objects.all(), to_field_name="code"
    )
    delivery_mode = django_filters.ModelChoiceFilter(queryset=models.DeliveryMode.objects.all(), to_field_name="code")
    price_max = django_filters.NumberFilter(field_name="price_min", lookup_expr="lte", label="starting price at most (RMB)")
    deployment_weeks_max = django_filters.NumberFilter(field_name="deployment_weeks", lookup_expr="lte")
    provider = TextFilter(field_name="provider__ref")
    q = TextFilter(
        method="filter_text", max_length=limits.QUERY_MAX_CHARS, label="words in title, description or provider name"
    )

    class Meta:
        model = models.Solution
        fields: list[str] = []

    def filter_industry(self, queryset: QuerySet, name: str, value: models.Industry) -> QuerySet:
        return queryset.filter(Q(industries=value) | Q(all_industries=True)).distinct()

    def filter_city(self, queryset: QuerySet, name: str, value: models.City) -> QuerySet:
        return queryset.filter(Q(regions_served=value) | Q(all_regions=True)).distinct()

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search(queryset, value, "title", "description", "provider__name")


class ProviderFilter(django_filters.FilterSet):
    city = django_filters.ModelChoiceFilter(queryset=models.City.objects.all())
    county = TextFilter(field_name="county__name")
    tier = django_filters.ModelChoiceFilter(queryset=models.Tier.objects.all(), to_field_name="code")
    category = django_filters.ModelChoiceFilter(
        field_name="solutions__category", queryset=models.Category.objects.all(), to_field_name="code", distinct=True
    )
    q = TextFilter(method="filter_text", max_length=limits.QUERY_MAX_CHARS, label="words in the name")

    class Meta:
        model = models.Provider
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search(queryset, value, "name")


class NeedFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=models.Need.Status.choices)
    q = TextFilter(method="filter_text", max_length=limits.QUERY_MAX_CHARS, label="words in title or description")

    class Meta:
        model = models.Need
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search(queryset, value, "title", "description")
