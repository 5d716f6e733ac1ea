"""Reads of the marketplace that are more than a ``.get()``."""
from collections.abc import Mapping

from django.db.models import Count, Q, QuerySet

from marketplace.catalog import models
from marketplace.catalog.filters import ProviderFilter, SolutionFilter


class FilterError(ValueError):
    def __init__(self, errors: Mapping):
        super().__init__(str(errors))
        self.errors = errors


def filtered(filterset_class, filters: Mapping, queryset: QuerySet) -> QuerySet:
    filterset = filterset_class(data=filters, queryset=queryset)
    if not filterset.is_valid():
        raise FilterError(filterset.errors)
    return filterset.qs


def solution_list(*, filters: Mapping | None = None, include_inactive: bool = False) -> QuerySet[models.Solution]:
    """Active solutions (or all, for their provider's edits), cheapest first, filtered by ``SolutionFilter``."""
    queryset = (
        (models.Solution.objects.all() if include_inactive else models.Solution.objects.filter(is_active=True))
        .select_related("provider__city", "provider__county", "provider__tier", "category", "delivery_mode")
        .prefetch_related("industries", "regions_served", "case_industries")
        .order_by("price_min", "ref")
    )
    return filtered(SolutionFilter, filters or {}, queryset)


def provider_list(*, filters: Mapping | None = None) -> QuerySet[models.Provider]:
    queryset = (
        models.Provider.objects.select_related("city", "county", "tier")
        .annotate(solution_count=Count("solutions", filter=Q(solutions__is_active=True)))
        .order_by("ref")
    )
    return filtered(ProviderFilter, filters or {}, queryset)


def category_list() -> QuerySet[models.Category]:
    """Every category in taxonomy order with the number of its active solutions."""
    return models.Category.objects.annotate(
        solution_count=Count("solutions", filter=Q(solutions__is_active=True))
    ).order_by("position")


def catalog_figures() -> dict[str, int]:
    """Headline numbers of the home page: providers, active solutions, and the counties where a
    provider is based or an enterprise has posted a need."""
    provider_counties = models.Provider.objects.filter(county__isnull=False).values("county")
    need_counties = models.Enterprise.objects.filter(county__isnull=False, needs__isnull=False).values("county")
    return {
        "providers": models.Provider.objects.count(),
        "solutions": models.Solution.objects.filter(is_active=True).count(),
        "counties": models.County.objects.filter(Q(pk__in=provider_counties) | Q(pk__in=need_counties)).count(),
    }


def counties_by_city() -> dict[str, list[dict[str, object]]]:
    """{city name: [{"id", "name", "label"}, ...]} in taxonomy order, for the county pickers;
    ``label`` is the name in the active language."""
    grouped: dict[str, list[dict[str, object]]] = {}
    for county in models.County.objects.order_by("city__position", "position"):
        grouped.setdefault(county.city_id, []).append(
            {"id": county.pk, "name": county.name, "label": county.display_name}
        )
    return grouped
