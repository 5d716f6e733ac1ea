"""Query-string filters of the catalog (django-filter parses and validates them)."""
import django_filters
from django.db.models import Q, QuerySet

from marketplace.catalog import models


class SolutionFilter(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(queryset=models.Category.objects.all(), to_field_name="code")
    industry = django_filters.ModelChoiceFilter(
        queryset=models.Industry.objects.all(), to_field_name="code", method="filter_industry",
        label="listed for this industry (or for every industry)",
    )  # fmt: skip
    city = django_filters.ModelChoiceFilter(
        queryset=models.City.objects.all(), method="filter_city", label="served in this city (or province-wide)"
    )
    county = django_filters.CharFilter(field_name="provider__county__name", label="provider's county")
    tier = django_filters.ModelChoiceFilter(
        field_name="provider__tier", queryset=models.Tier.objects.all(), to_field_name="code"
    )
    delivery_mode = django_filters.ModelChoiceFilter(queryset=models.DeliveryMode.objects.all(), to_field_name="code")
    price_max = django_filters.NumberFilter(field_name="price_min", lookup_expr="lte", label="starting price at most (RMB)")
    deployment_weeks_max = django_filters.NumberFilter(field_name="deployment_weeks", lookup_expr="lte")
    provider = django_filters.CharFilter(field_name="provider__ref")
    q = django_filters.CharFilter(method="filter_text", label="words in title, description or provider name")

    class Meta:
        model = models.Solution
        fields: list[str] = []

    def filter_industry(self, queryset: QuerySet, name: str, value: models.Industry) -> QuerySet:
        return queryset.filter(Q(industries=value) | Q(all_industries=True)).distinct()

    def filter_city(self, queryset: QuerySet, name: str, value: models.City) -> QuerySet:
        return queryset.filter(Q(regions_served=value) | Q(all_regions=True)).distinct()

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(description__icontains=word) | Q(provider__name__icontains=word)
            )
        return queryset


class ProviderFilter(django_filters.FilterSet):
    city = django_filters.ModelChoiceFilter(queryset=models.City.objects.all())
    county = django_filters.CharFilter(field_name="county__name")
    tier = django_filters.ModelChoiceFilter(queryset=models.Tier.objects.all(), to_field_name="code")
    category = django_filters.ModelChoiceFilter(
        field_name="solutions__category", queryset=models.Category.objects.all(), to_field_name="code", distinct=True
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = models.Provider
        fields: list[str] = []


class NeedFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=models.Need.Status.choices)
    q = django_filters.CharFilter(method="filter_text", label="words in title or description")

    class Meta:
        model = models.Need
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
        return queryset
