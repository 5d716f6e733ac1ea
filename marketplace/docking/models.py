"""The docking workflow's records: the leads offered to providers, their proposals, and the
notifications sent to both sides. The tables keep the names they had before this app existed
(``matching_lead``, ``marketplace_proposal``, ``marketplace_notification``)."""
from __future__ import annotations

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.catalog import limits
from marketplace.catalog.models import DEPLOYMENT_WEEKS_MAX, Need, Provider, Solution, TimeStamped, User


class Lead(models.Model):
    """A need offered to a provider this month, within the provider's lead capacity."""

    need = models.ForeignKey(Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="leads")
    provider = models.ForeignKey(Provider, verbose_name=_("服务商"), on_delete=models.CASCADE, related_name="leads")
    solution = models.ForeignKey(Solution, verbose_name=_("匹配方案"), on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("匹配分"))
    month = models.DateField(_("月份"), help_text=_("线索所属月份（当月1日）"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "matching_lead"
        ordering = ["-score"]
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        constraints = [models.UniqueConstraint(fields=["need", "provider"], name="lead_unique_need_provider")]

    def __str__(self) -> str:
        return f"{self.provider.ref} <- {self.need.ref}"


PROPOSAL_MESSAGE_MAX_CHARS = 2000


class Proposal(TimeStamped):
    """A provider's answer to a lead: its price, how fast it goes live, and a message.

    At most one live (submitted or accepted) proposal per provider and need, and at most one
    accepted proposal per need: the database enforces both, so racing acceptances cannot both win.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待答复")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已婉拒")
        WITHDRAWN = "withdrawn", _("已撤回")

    need = models.ForeignKey(Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="proposals")
    provider = models.ForeignKey(
        Provider, verbose_name=_("服务商"), on_delete=models.CASCADE, related_name="proposals"
    )
    solution = models.ForeignKey(
        Solution, verbose_name=_("解决方案"), on_delete=models.PROTECT, related_name="proposals"
    )
    price_quote = models.PositiveIntegerField(
        _("报价(元)"), validators=[MinValueValidator(1), MaxValueValidator(limits.MONEY_MAX)]
    )
    weeks = models.PositiveSmallIntegerField(
        _("上线周期(周)"), validators=[MinValueValidator(1), MaxValueValidator(DEPLOYMENT_WEEKS_MAX)]
    )
    message = models.TextField(_("留言"), blank=True, validators=[MaxLengthValidator(PROPOSAL_MESSAGE_MAX_CHARS)])
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    LIVE = (Status.SUBMITTED, Status.ACCEPTED)

    class Meta:
        db_table = "marketplace_proposal"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("方案建议")
        verbose_name_plural = _("方案建议")
        constraints = [
            models.UniqueConstraint(
                fields=["need", "provider"],
                condition=Q(status__in=["submitted", "accepted"]),
                name="proposal_one_live_per_provider",
            ),
            models.UniqueConstraint(
                fields=["need"], condition=Q(status="accepted"), name="proposal_one_accepted_per_need"
            ),
            models.CheckConstraint(condition=Q(price_quote__gt=0), name="proposal_price_positive"),
            models.CheckConstraint(
                condition=Q(weeks__gt=0) & Q(weeks__lte=DEPLOYMENT_WEEKS_MAX), name="proposal_weeks_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "accepted", "declined", "withdrawn"]),
                name="proposal_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} -> {self.need}"


class Notification(models.Model):
    """An in-app message to one user; its text is rendered in the reader's language."""

    class Kind(models.TextChoices):
        NEW_LEAD = "new_lead", _("新线索")
        NEW_PROPOSAL = "new_proposal", _("新方案建议")
        PROPOSAL_ACCEPTED = "proposal_accepted", _("方案建议被接受")
        PROPOSAL_DECLINED = "proposal_declined", _("方案建议被婉拒")

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    need = models.ForeignKey(Need, verbose_name=_("需求"), on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("方案建议"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        db_table = "marketplace_notification"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"
