"""In-app notifications and their e-mail copies.

A notification stores its kind and parameters, not its text, so each reader sees it in the
language they read the site in. The e-mail copy, sent after the commit through Django's mail
backend (the console in development), carries the Chinese text with the English below it.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import City, County, Need, User
from marketplace.docking.models import Notification, Proposal

logger = logging.getLogger(__name__)

TEXTS = {
    Notification.Kind.NEW_LEAD: _("新线索：%(need_title)s（%(place)s，预算 %(budget)s 元，匹配分 %(score)s）"),
    Notification.Kind.NEW_PROPOSAL: _("%(provider)s 对需求“%(need_title)s”提交了方案建议，报价 %(price)s 元"),
    Notification.Kind.PROPOSAL_ACCEPTED: _("%(enterprise)s 接受了你对“%(need_title)s”的方案建议，双方联系方式已公开"),
    Notification.Kind.PROPOSAL_DECLINED: _("你对“%(need_title)s”的方案建议未被采纳"),
}
SUBJECT = _("小快轻准对接平台通知")
PLACE = _("%(city)s%(county)s")


def notification_text(notification: Notification) -> str:
    """The notification's text in the active language, the need's place included."""
    params = dict(notification.params)
    if "city" in params:
        params["place"] = _place_text(params["city"], params.get("county"))
    return gettext(str(TEXTS[notification.kind])) % params


def _place_text(city_name: str, county_name: str | None) -> str:
    """淄博市博山区 / Boshan District, Zibo (names as stored, shown in the active language)."""
    city = City.objects.filter(pk=city_name).first()
    county = County.objects.filter(city_id=city_name, name=county_name).first() if county_name else None
    shown = str(city) if city else city_name
    return str(PLACE % {"city": shown, "county": county.display_name}) if county else shown


def _send(*, users: Iterable[User], kind: str, params: dict, need: Need | None = None, proposal: Proposal | None = None) -> list[Notification]:
    users = [user for user in users if user.is_active]
    created = Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, need=need, proposal=proposal, params=params) for user in users]
    )
    recipients = [user.email for user in users if user.email]
    if recipients:
        sample = created[0]
        with translation.override("zh-hans"):
            zh, subject = notification_text(sample), str(SUBJECT)
        with translation.override("en"):
            en, subject_en = notification_text(sample), str(SUBJECT)
        message = (f"{subject} / {subject_en}", f"{zh}\n\n{en}\n", settings.DEFAULT_FROM_EMAIL, recipients)
        transaction.on_commit(lambda: _mail(message))
    return created


def _mail(message: tuple) -> None:
    try:
        send_mass_mail([message], fail_silently=False)
    except (smtplib.SMTPException, OSError):  # the in-app notification stands; say why mail did not go
        logger.exception("Could not e-mail notification to %s", ", ".join(message[3]))


def _place(need: Need) -> dict[str, str | None]:
    """The need's place as stored; rendered in the reader's language by ``notification_text``."""
    enterprise = need.enterprise
    return {"city": enterprise.city_id, "county": enterprise.county.name if enterprise.county else None}


def leads_announce(*, leads: Iterable) -> int:
    """Tell each provider's users about their new leads scoring at least
    ``NOTIFY_LEAD_MIN_SCORE``. Returns how many notifications were written."""
    count = 0
    for lead in leads:
        if lead.score < settings.NOTIFY_LEAD_MIN_SCORE:
            continue
        need = lead.need
        params = {
            "need_ref": need.ref,
            "need_title": need.title,
            **_place(need),
            "budget": f"{need.budget_max:,}",
            "score": f"{lead.score:.2f}",
        }
        count += len(_send(users=lead.provider.users.all(), kind=Notification.Kind.NEW_LEAD, params=params, need=need))
    return count


def proposal_received(*, proposal: Proposal) -> None:
    need = proposal.need
    params = {
        "need_ref": need.ref,
        "need_title": need.title,
        "provider": proposal.provider.name,
        "price": f"{proposal.price_quote:,}",
    }
    _send(users=need.enterprise.users.all(), kind=Notification.Kind.NEW_PROPOSAL, params=params, need=need, proposal=proposal)


def proposal_decided(*, proposal: Proposal) -> None:
    need = proposal.need
    kind = (
        Notification.Kind.PROPOSAL_ACCEPTED
        if proposal.status == Proposal.Status.ACCEPTED
        else Notification.Kind.PROPOSAL_DECLINED
    )
    params = {"need_ref": need.ref, "need_title": need.title, "enterprise": need.enterprise.name}
    _send(users=proposal.provider.users.all(), kind=kind, params=params, need=need, proposal=proposal)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
