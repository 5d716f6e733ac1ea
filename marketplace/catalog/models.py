"""The two-sided market: reference vocabularies, providers and their solutions, enterprises and
their needs, and the users who act for them.

Invariants that the database can hold are database constraints; the cross-table one (a county
belongs to the record's city) is checked in ``clean()`` and by the importer.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marketplace.catalog import limits
from marketplace.catalog.credit_codes import validate_credit_code

DESCRIPTION_MAX_CHARS = 4000
DEPLOYMENT_WEEKS_MAX = 260


class ReferenceCode(models.Model):
    """A code from taxonomy.json with its Chinese and English names, shown by the active language."""

    code = models.CharField(primary_key=True, max_length=32)
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Category(ReferenceCode):
    class Meta(ReferenceCode.Meta):
        verbose_name = _("解决方案类别")
        verbose_name_plural = _("解决方案类别")


class Industry(ReferenceCode):
    class Meta(ReferenceCode.Meta):
        verbose_name = _("行业")
        verbose_name_plural = _("行业")


class Tier(ReferenceCode):
    class Meta(ReferenceCode.Meta):
        verbose_name = _("服务商层级")
        verbose_name_plural = _("服务商层级")


class DeliveryMode(ReferenceCode):
    class Meta(ReferenceCode.Meta):
        verbose_name = _("交付方式")
        verbose_name_plural = _("交付方式")


class SpecializedLevel(ReferenceCode):
    NONE = "none"

    class Meta(ReferenceCode.Meta):
        verbose_name = _("专精特新等级")
        verbose_name_plural = _("专精特新等级")


class City(models.Model):
    """One of Shandong's 16 prefecture-level cities, keyed by its full name (淄博市)."""

    name = models.CharField(primary_key=True, max_length=16)
    name_en = models.CharField(max_length=32)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("城市")
        verbose_name_plural = _("城市")

    def __str__(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


class County(models.Model):
    """A county-level division; names repeat across cities (市中区), so the key is (city, name)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="counties")
    name = models.CharField(max_length=16)
    name_en = models.CharField(max_length=48, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["city__position", "position"]
        verbose_name = _("区县")
        verbose_name_plural = _("区县")
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="county_unique_in_city")]

    def __str__(self) -> str:
        return f"{self.city.name}{self.name}"

    @property
    def display_name(self) -> str:
        """The county's name in the active language (博山区 / Boshan District)."""
        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ContactDetails(models.Model):
    """Who to call. Hidden from the other side until a proposal between them is accepted."""

    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)

    class Meta:
        abstract = True


def _check_county_in_city(obj: Provider | Enterprise) -> None:
    if obj.county_id and obj.city_id and obj.county.city_id != obj.city_id:
        raise ValidationError({"county": _("%(county)s 不属于 %(city)s") % {"county": obj.county.name, "city": obj.city_id}})


class Provider(TimeStamped, ContactDetails):
    ref = models.CharField(_("服务商编号"), max_length=64, unique=True)
    name = models.CharField(_("服务商名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    city = models.ForeignKey(City, verbose_name=_("所在城市"), on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(
        County, verbose_name=_("所在区县"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tier = models.ForeignKey(Tier, verbose_name=_("层级"), on_delete=models.PROTECT, related_name="providers")
    lead_capacity = models.PositiveIntegerField(
        _("每月可承接线索数"), default=20, help_text=_("每月最多接收多少条新线索")
    )

    class Meta:
        ordering = ["ref"]
        verbose_name = _("服务商")
        verbose_name_plural = _("服务商")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _check_county_in_city(self)


class Solution(TimeStamped):
    ref = models.CharField(_("方案编号"), max_length=64, unique=True)
    provider = models.ForeignKey(
        Provider, verbose_name=_("服务商"), on_delete=models.CASCADE, related_name="solutions"
    )
    title = models.CharField(_("方案名称"), max_length=200)
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="solutions"
    )
    all_industries = models.BooleanField(_("适用全部行业"), default=False)
    industries = models.ManyToManyField(Industry, verbose_name=_("适用行业"), blank=True, related_name="solutions")
    description = models.TextField(_("方案介绍"), validators=[MaxLengthValidator(DESCRIPTION_MAX_CHARS)])
    price_min = models.PositiveIntegerField(_("最低报价(元)"), validators=[MaxValueValidator(limits.MONEY_MAX)])
    price_max = models.PositiveIntegerField(_("最高报价(元)"), validators=[MaxValueValidator(limits.MONEY_MAX)])
    deployment_weeks = models.PositiveSmallIntegerField(
        _("上线周期(周)"), validators=[MaxValueValidator(DEPLOYMENT_WEEKS_MAX)]
    )
    delivery_mode = models.ForeignKey(
        DeliveryMode, verbose_name=_("交付方式"), on_delete=models.PROTECT, related_name="+"
    )
    all_regions = models.BooleanField(_("服务全省"), default=False)
    regions_served = models.ManyToManyField(City, verbose_name=_("服务城市"), blank=True, related_name="+")
    cases = models.PositiveIntegerField(_("落地案例数"), default=0, validators=[MaxValueValidator(limits.CASES_MAX)])
    case_industries = models.ManyToManyField(
        Industry, verbose_name=_("案例行业"), blank=True, related_name="case_solutions"
    )
    # Set by staff only (the admin's "verify cases"); a change of cases or case industries clears
    # it (``verification``). Not a column of the catalog file: the contract is shared.
    cases_verified_at = models.DateTimeField(_("案例核实时间"), null=True, blank=True, editable=False)
    cases_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("案例核实人"), on_delete=models.SET_NULL, null=True, blank=True,
        editable=False, related_name="+",
    )  # fmt: skip
    is_active = models.BooleanField(_("上架"), default=True)

    class Meta:
        ordering = ["ref"]
        verbose_name = _("解决方案")
        verbose_name_plural = _("解决方案")
        constraints = [
            models.CheckConstraint(condition=Q(price_min__lte=models.F("price_max")), name="solution_price_order"),
            models.CheckConstraint(
                condition=Q(deployment_weeks__lte=DEPLOYMENT_WEEKS_MAX), name="solution_deployment_weeks_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def cases_verified(self) -> bool:
        """Staff checked the cases and their industries as they now stand."""
        return self.cases_verified_at is not None

    def clean(self) -> None:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValidationError({"price_max": _("最高报价不能低于最低报价")})


class Enterprise(TimeStamped, ContactDetails):
    ref = models.CharField(_("企业编号"), max_length=64, unique=True)
    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("行业"), on_delete=models.PROTECT, related_name="enterprises"
    )
    city = models.ForeignKey(City, verbose_name=_("所在城市"), on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(
        County, verbose_name=_("所在区县"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    specialized_level = models.ForeignKey(
        SpecializedLevel,
        verbose_name=_("专精特新等级"),
        on_delete=models.PROTECT,
        default=SpecializedLevel.NONE,
        related_name="+",
    )

    class Meta:
        ordering = ["ref"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _check_county_in_city(self)


class Need(TimeStamped):
    class Status(models.TextChoices):
        OPEN = "open", _("对接中")
        CLOSED = "closed", _("已关闭")

    ref = models.CharField(_("需求编号"), max_length=64, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="needs"
    )
    title = models.CharField(_("需求标题"), max_length=200)
    description = models.TextField(_("痛点描述"), validators=[MaxLengthValidator(DESCRIPTION_MAX_CHARS)])
    budget_max = models.PositiveIntegerField(
        _("预算上限(元)"), validators=[MinValueValidator(1), MaxValueValidator(limits.MONEY_MAX)]
    )
    timeline_weeks = models.PositiveSmallIntegerField(
        _("期望上线(周)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    class Outcome(models.TextChoices):
        CONTRACTED = "contracted", _("已签约")
        NOT_CONTRACTED = "not_contracted", _("未签约")

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("对接结果"), max_length=16, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        ordering = ["ref"]
        verbose_name = _("需求")
        verbose_name_plural = _("需求")
        constraints = [
            models.CheckConstraint(condition=Q(budget_max__gt=0), name="need_budget_positive"),
            models.CheckConstraint(
                condition=Q(timeline_weeks__isnull=True) | Q(timeline_weeks__gt=0), name="need_timeline_positive"
            ),
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="need_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title


class User(AbstractUser):
    """A person who acts for one enterprise or one provider; staff administer the marketplace."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("所属企业"), on_delete=models.SET_NULL, null=True, blank=True, related_name="users"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("所属服务商"), on_delete=models.SET_NULL, null=True, blank=True, related_name="users"
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=True) | Q(provider__isnull=True), name="user_one_organisation"
            )
        ]

    @property
    def role(self) -> str:
        if self.is_staff:
            return "staff"
        if self.enterprise_id:
            return "enterprise"
        if self.provider_id:
            return "provider"
        return "none"


class AuditEvent(models.Model):
    """Who changed what, when, and how: a need, a proposal, the ranking weights, a match label.
    Written by the services of every layer, never edited."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=48)
    need = models.ForeignKey(
        Need, verbose_name=_("需求"), on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    # The id of the proposal concerned, if any. A plain column, not a foreign key: proposals belong
    # to the docking app above this one, and the catalog never depends on the layers above it.
    proposal_id = models.BigIntegerField(_("方案建议"), null=True, blank=True, db_index=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
