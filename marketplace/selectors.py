"""Reads of the marketplace that are more than a ``.get()``."""
from collections.abc import Mapping

from django.db.models import Count, Q, QuerySet

from marketplace import models
from marketplace.filters import LeadFilter, NeedFilter, ProposalFilter, ProviderFilter, SolutionFilter


class FilterError(ValueError):
    def __init__(self, errors: Mapping):
        super().__init__(str(errors))
        self.errors = errors


def _filtered(filterset_class, filters: Mapping, queryset: QuerySet) -> QuerySet:
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
    return _filtered(SolutionFilter, filters or {}, queryset)


def provider_list(*, filters: Mapping | None = None) -> QuerySet[models.Provider]:
    queryset = (
        models.Provider.objects.select_related("city", "county", "tier")
        .annotate(solution_count=Count("solutions", filter=Q(solutions__is_active=True)))
        .order_by("ref")
    )
    return _filtered(ProviderFilter, filters or {}, queryset)


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


# Reads scoped to a user: an object outside the scope does not exist for that user (404), so
# nothing of another tenant leaks, not even whether it exists.


def need_list(*, user: models.User, filters: Mapping | None = None) -> QuerySet[models.Need]:
    """Staff see every need; an enterprise user its own enterprise's; anyone else none."""
    queryset = models.Need.objects.select_related(
        "enterprise__city", "enterprise__county", "enterprise__industry"
    ).annotate(proposal_count=Count("proposals", filter=~Q(proposals__status=models.Proposal.Status.WITHDRAWN)))
    if not user.is_staff:
        enterprise_id = getattr(user, "enterprise_id", None)
        queryset = queryset.filter(enterprise_id=enterprise_id) if enterprise_id else queryset.none()
    return _filtered(NeedFilter, filters or {}, queryset.order_by("-created_at", "-pk"))


def proposal_list(*, user: models.User, filters: Mapping | None = None) -> QuerySet[models.Proposal]:
    """Staff see all proposals; an enterprise those on its needs; a provider its own."""
    queryset = models.Proposal.objects.select_related(
        "need__enterprise__city", "need__enterprise__county", "need__enterprise__industry",
        "provider__city", "provider__county", "provider__tier", "solution",
    )  # fmt: skip
    enterprise_id, provider_id = getattr(user, "enterprise_id", None), getattr(user, "provider_id", None)
    if user.is_staff:
        pass
    elif enterprise_id:
        queryset = queryset.filter(need__enterprise_id=enterprise_id)
    elif provider_id:
        queryset = queryset.filter(provider_id=provider_id)
    else:
        queryset = queryset.none()
    return _filtered(ProposalFilter, filters or {}, queryset)


def lead_list(*, user: models.User, filters: Mapping | None = None) -> QuerySet:
    """A provider's leads on open needs, best first (staff see every provider's)."""
    from matching.models import Lead

    queryset = Lead.objects.filter(need__status=models.Need.Status.OPEN).select_related(
        "need__enterprise__city", "need__enterprise__county", "need__enterprise__industry", "solution", "provider"
    )
    if not user.is_staff:
        provider_id = getattr(user, "provider_id", None)
        queryset = queryset.filter(provider_id=provider_id) if provider_id else queryset.none()
    return _filtered(LeadFilter, filters or {}, queryset.order_by("-score", "pk"))


def notification_list(*, user: models.User, unread_only: bool = False) -> QuerySet[models.Notification]:
    if not user.is_authenticated:
        return models.Notification.objects.none()
    queryset = models.Notification.objects.filter(user=user).select_related("need", "proposal")
    return queryset.filter(read_at__isnull=True) if unread_only else queryset


def contacts_visible(*, user: models.User, proposal: models.Proposal) -> bool:
    """Both sides see each other's contact details once the proposal is accepted (staff always)."""
    if user.is_staff:
        return True
    if proposal.status != models.Proposal.Status.ACCEPTED:
        return False
    return user.enterprise_id == proposal.need.enterprise_id or (
        user.provider_id is not None and user.provider_id == proposal.provider_id
    )
