"""Reads of the docking workflow that are more than a ``.get()``."""
from collections.abc import Mapping

from django.db.models import Count, Q, QuerySet

from marketplace.catalog import models as catalog
from marketplace.catalog.filters import NeedFilter
from marketplace.catalog.selectors import filtered
from marketplace.docking import models
from marketplace.docking.filters import LeadFilter, ProposalFilter


# Reads scoped to a user: an object outside the scope does not exist for that user (404), so
# nothing of another tenant leaks, not even whether it exists.


def need_list(*, user: catalog.User, filters: Mapping | None = None) -> QuerySet[catalog.Need]:
    """Staff see every need; an enterprise user its own enterprise's; anyone else none."""
    queryset = catalog.Need.objects.select_related(
        "enterprise__city", "enterprise__county", "enterprise__industry"
    ).annotate(proposal_count=Count("proposals", filter=~Q(proposals__status=models.Proposal.Status.WITHDRAWN)))
    if not user.is_staff:
        enterprise_id = getattr(user, "enterprise_id", None)
        queryset = queryset.filter(enterprise_id=enterprise_id) if enterprise_id else queryset.none()
    return filtered(NeedFilter, filters or {}, queryset.order_by("-created_at", "-pk"))


def proposal_list(*, user: catalog.User, filters: Mapping | None = None) -> QuerySet[models.Proposal]:
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
    return filtered(ProposalFilter, filters or {}, queryset)


def lead_list(*, user: catalog.User, filters: Mapping | None = None) -> QuerySet:
    """A provider's leads on open needs, best first (staff see every provider's)."""
    queryset = models.Lead.objects.filter(need__status=catalog.Need.Status.OPEN).select_related(
        "need__enterprise__city", "need__enterprise__county", "need__enterprise__industry", "solution", "provider"
    )
    if not user.is_staff:
        provider_id = getattr(user, "provider_id", None)
        queryset = queryset.filter(provider_id=provider_id) if provider_id else queryset.none()
    return filtered(LeadFilter, filters or {}, queryset.order_by("-score", "pk"))


def notification_list(*, user: catalog.User, unread_only: bool = False) -> QuerySet[models.Notification]:
    if not user.is_authenticated:
        return models.Notification.objects.none()
    queryset = models.Notification.objects.filter(user=user).select_related("need", "proposal")
    return queryset.filter(read_at__isnull=True) if unread_only else queryset


def contacts_visible(*, user: catalog.User, proposal: models.Proposal) -> bool:
    """Both sides see each other's contact details once the proposal is accepted (staff always)."""
    if user.is_staff:
        return True
    if proposal.status != models.Proposal.Status.ACCEPTED:
        return False
    return user.enterprise_id == proposal.need.enterprise_id or (
        user.provider_id is not None and user.provider_id == proposal.provider_id
    )
