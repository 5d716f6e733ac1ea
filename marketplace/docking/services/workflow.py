"""The docking workflow: an enterprise posts a need, providers answer its leads with proposals,
the enterprise accepts one (contacts are then revealed to both sides) and closes the need.

Every state change checks who acts and what state allows it, runs in one transaction, and
writes an ``AuditEvent``. Notifications go out after the commit.
"""
from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import AuditEvent, City, County, Enterprise, Industry, Need, Solution, User
from marketplace.docking.models import Lead, Proposal
from marketplace.docking.services import accounts, notifications, sync

# What the user is told; tests assert these.
ONLY_ENTERPRISES_POST = _("只有企业账号可以发布需求")
NOT_YOUR_NEED = _("只能操作本企业的需求")
NEED_NOT_OPEN = _("需求已关闭，不能再修改")
ONLY_PROVIDERS_PROPOSE = _("只有服务商账号可以提交方案建议")
NOT_YOUR_SOLUTION = _("只能用本服务商上架的解决方案提交建议")
NOT_YOUR_LEAD = _("该需求不在你的线索中，无法提交建议")
ALREADY_PROPOSED = _("你已对该需求提交过建议，可先撤回再重新提交")
NOT_YOUR_PROPOSAL = _("只能撤回本服务商的方案建议")
PROPOSAL_NOT_PENDING = _("该方案建议已答复或已撤回，不能再操作")
ANOTHER_ACCEPTED = _("该需求已接受了另一份方案建议")
CONTRACTED_NEEDS_ACCEPTANCE = _("没有已接受的方案建议，不能以“已签约”关闭需求")

EDITABLE_NEED_FIELDS = ("title", "description", "budget_max", "timeline_weeks")


class DockingError(Exception):
    """A step the rules forbid. ``reason`` tells the HTTP layer which status fits:
    ``forbidden`` (403: wrong role or someone else's object), ``conflict`` (409: the state has
    moved on) or ``invalid`` (400)."""

    def __init__(self, message, *, reason: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.reason = reason


def _audit(*, actor: User | None, action: str, need: Need | None = None, proposal: Proposal | None = None, **data) -> None:
    AuditEvent.objects.create(actor=actor, action=action, need=need, proposal_id=proposal.pk if proposal else None, data=data)


def _own_need(user: User, need: Need) -> None:
    if not (user.is_staff or (user.enterprise_id and user.enterprise_id == need.enterprise_id)):
        raise DockingError(NOT_YOUR_NEED, reason="forbidden")


def _new_ref() -> str:
    return f"W{timezone.localdate():%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"


# --------------------------------------------------------------------------------- needs


@transaction.atomic
def need_create(
    *,
    actor: User,
    title: str,
    description: str,
    budget_max: int,
    timeline_weeks: int | None = None,
    enterprise: Enterprise | None = None,
) -> Need:
    """Post a need for the actor's enterprise (staff may name any enterprise). It is matched and
    offered as leads after the commit (``sync.needs_changed``)."""
    if enterprise is None:
        if not actor.enterprise_id:
            raise DockingError(ONLY_ENTERPRISES_POST, reason="forbidden")
        enterprise = actor.enterprise
    elif not actor.is_staff and actor.enterprise_id != enterprise.pk:
        raise DockingError(ONLY_ENTERPRISES_POST, reason="forbidden")
    need = Need(
        ref=_new_ref(),
        enterprise=enterprise,
        title=title.strip(),
        description=description.strip(),
        budget_max=budget_max,
        timeline_weeks=timeline_weeks,
    )
    need.full_clean()
    need.save()
    _audit(actor=actor, action="need.created", need=need, budget_max=budget_max)
    sync.needs_saved([need.pk])
    return need


@transaction.atomic
def need_post(
    *, actor: User, industry: Industry, city: City, county: County | None, **need_fields
) -> Need:
    """Post a need from the workspace form, which also asks for the industry and place: a need's
    industry and place are its enterprise's, so the enterprise is updated first when they changed."""
    if not actor.enterprise_id:
        raise DockingError(ONLY_ENTERPRISES_POST, reason="forbidden")
    enterprise = actor.enterprise
    if (industry.pk, city.pk, getattr(county, "pk", None)) != (enterprise.industry_id, enterprise.city_id, enterprise.county_id):
        accounts.enterprise_update(actor=actor, enterprise=enterprise, industry=industry, city=city, county=county)
    return need_create(actor=actor, **need_fields)


@transaction.atomic
def need_update(*, actor: User, need: Need, **changes) -> Need:
    """Edit an open need's text, budget or timeline."""
    unknown = set(changes) - set(EDITABLE_NEED_FIELDS)
    if unknown:
        raise TypeError(f"need_update() cannot change {', '.join(sorted(unknown))}")
    need = Need.objects.select_for_update().get(pk=need.pk)
    _own_need(actor, need)
    if need.status != Need.Status.OPEN:
        raise DockingError(NEED_NOT_OPEN, reason="conflict")
    changed = {name: value for name, value in changes.items() if getattr(need, name) != value}
    if not changed:
        return need
    for name, value in changed.items():
        setattr(need, name, value.strip() if isinstance(value, str) else value)
    need.full_clean()
    need.save()
    _audit(actor=actor, action="need.updated", need=need, fields=sorted(changed))
    sync.needs_saved([need.pk])
    return need


@transaction.atomic
def need_close(*, actor: User, need: Need, outcome: str) -> Need:
    """Close an open need as contracted (needs an accepted proposal) or not contracted. Proposals
    still waiting for an answer are declined."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    _own_need(actor, need)
    if need.status != Need.Status.OPEN:
        raise DockingError(NEED_NOT_OPEN, reason="conflict")
    if outcome not in Need.Outcome.values:
        raise DockingError(_("未知的对接结果"), reason="invalid")
    if outcome == Need.Outcome.CONTRACTED and not need.proposals.filter(status=Proposal.Status.ACCEPTED).exists():
        raise DockingError(CONTRACTED_NEEDS_ACCEPTANCE, reason="conflict")
    need.status, need.outcome, need.closed_at = Need.Status.CLOSED, outcome, timezone.now()
    need.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
    pending = list(need.proposals.filter(status=Proposal.Status.SUBMITTED))
    for proposal in pending:
        _decide(proposal, Proposal.Status.DECLINED, actor, reason="need closed")
    _audit(actor=actor, action="need.closed", need=need, outcome=outcome)
    return need


# ----------------------------------------------------------------------------- proposals


def _may_answer(provider_id: int, need: Need) -> bool:
    """A provider answers the needs offered to it as leads (within its monthly capacity)."""

    return Lead.objects.filter(need=need, provider_id=provider_id).exists()


@transaction.atomic
def proposal_submit(
    *, actor: User, need: Need, solution: Solution, price_quote: int, weeks: int, message: str = ""
) -> Proposal:
    """A provider expresses interest in a lead with a quote, a go-live time and a message."""
    if not actor.provider_id:
        raise DockingError(ONLY_PROVIDERS_PROPOSE, reason="forbidden")
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not _may_answer(actor.provider_id, need):
        raise DockingError(NOT_YOUR_LEAD, reason="forbidden")
    if need.status != Need.Status.OPEN:
        raise DockingError(NEED_NOT_OPEN, reason="conflict")
    if solution.provider_id != actor.provider_id or not solution.is_active:
        raise DockingError(NOT_YOUR_SOLUTION, reason="invalid")
    if need.proposals.filter(provider_id=actor.provider_id, status__in=Proposal.LIVE).exists():
        raise DockingError(ALREADY_PROPOSED, reason="conflict")
    proposal = Proposal(
        need=need,
        provider_id=actor.provider_id,
        solution=solution,
        price_quote=price_quote,
        weeks=weeks,
        message=message.strip(),
    )
    proposal.full_clean()
    proposal.save()
    _audit(actor=actor, action="proposal.submitted", need=need, proposal=proposal, price_quote=price_quote, weeks=weeks)
    notifications.proposal_received(proposal=proposal)
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: User, proposal: Proposal) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not (actor.provider_id and actor.provider_id == proposal.provider_id):
        raise DockingError(NOT_YOUR_PROPOSAL, reason="forbidden")
    if proposal.status != Proposal.Status.SUBMITTED:
        raise DockingError(PROPOSAL_NOT_PENDING, reason="conflict")
    proposal.status, proposal.decided_at = Proposal.Status.WITHDRAWN, timezone.now()
    proposal.save(update_fields=["status", "decided_at", "updated_at"])
    _audit(actor=actor, action="proposal.withdrawn", need=proposal.need, proposal=proposal)
    return proposal


def _locked_pending(actor: User, proposal: Proposal) -> tuple[Need, Proposal]:
    """Lock the need first (every decision on its proposals queues behind it), then the proposal."""
    need = Need.objects.select_for_update().get(pk=proposal.need_id)
    _own_need(actor, need)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if need.status != Need.Status.OPEN:
        raise DockingError(NEED_NOT_OPEN, reason="conflict")
    if proposal.status != Proposal.Status.SUBMITTED:
        raise DockingError(PROPOSAL_NOT_PENDING, reason="conflict")
    return need, proposal


def _decide(proposal: Proposal, status: str, actor: User, **data) -> None:
    proposal.status, proposal.decided_at = status, timezone.now()
    proposal.save(update_fields=["status", "decided_at", "updated_at"])
    _audit(actor=actor, action=f"proposal.{status}", need=proposal.need, proposal=proposal, **data)
    notifications.proposal_decided(proposal=proposal)


def proposal_accept(*, actor: User, proposal: Proposal) -> Proposal:
    """Accept one proposal of the actor's open need. Exactly one acceptance per need wins, even
    when two requests race: the need row lock orders them and a partial unique index backs it."""
    try:
        with transaction.atomic():
            need, proposal = _locked_pending(actor, proposal)
            if need.proposals.filter(status=Proposal.Status.ACCEPTED).exists():
                raise DockingError(ANOTHER_ACCEPTED, reason="conflict")
            _decide(proposal, Proposal.Status.ACCEPTED, actor)
    except IntegrityError:  # lost a race the lock did not see (e.g. SQLite): the index decided
        raise DockingError(ANOTHER_ACCEPTED, reason="conflict") from None
    return proposal


@transaction.atomic
def proposal_decline(*, actor: User, proposal: Proposal) -> Proposal:
    _need, proposal = _locked_pending(actor, proposal)
    _decide(proposal, Proposal.Status.DECLINED, actor)
    return proposal
