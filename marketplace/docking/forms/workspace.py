"""Forms of the enterprise and provider workspaces: needs, proposals, the provider's profile and
solutions, and the lead inbox filters. They validate and convert (money in RMB or 万元); the
services do the writing."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marketplace.catalog import limits, models
from marketplace.catalog.forms import CountyChoiceField, check_county_in_city, parse_price
from marketplace.docking.models import PROPOSAL_MESSAGE_MAX_CHARS

# Messages the user sees (tests assert them).
AMOUNT_INVALID = _("请填写金额，例如 15（万元）或 150000（元）")
AMOUNT_TOO_LARGE = _("金额过大，请检查单位是否选对")
PRICE_ORDER = _("最高报价不能低于最低报价")
SCORE_INVALID = _("匹配度请填写 0 到 100 之间的数字")
MONEY_MAX = limits.MONEY_MAX

UNIT_YUAN, UNIT_WAN = "yuan", "wan"
UNIT_CHOICES = [(UNIT_WAN, _("万元")), (UNIT_YUAN, _("元"))]


def to_rmb(text: str, unit: str) -> int:
    """RMB from an amount and its unit: ("15", "wan") -> 150000, ("150000", "yuan") -> 150000.
    A unit written in the amount wins ("15万" is 150000 whatever the select says)."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        try:
            value = parse_price(cleaned)
        except ValueError:
            raise ValidationError(AMOUNT_INVALID, code="amount") from None
        if value is None:
            raise ValidationError(AMOUNT_INVALID, code="amount") from None
        amount, unit = Decimal(value), UNIT_YUAN
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(AMOUNT_INVALID, code="amount")
    if unit == UNIT_WAN:
        amount *= 10_000
    if amount > MONEY_MAX:
        raise ValidationError(AMOUNT_TOO_LARGE, code="amount")
    value = int(amount)
    if value < 1:
        raise ValidationError(AMOUNT_INVALID, code="amount")
    return value


def from_rmb(value: int | None) -> tuple[str, str]:
    """The amount and unit to show in a form: whole 万 in 万元, anything else in 元."""
    if not value:
        return "", UNIT_WAN
    if value % 1_000 == 0 and value >= 10_000:
        return f"{Decimal(value) / 10_000:f}".rstrip("0").rstrip("."), UNIT_WAN
    return str(value), UNIT_YUAN


class MoneyMixin:
    """Pairs of (amount field, unit field) cleaned into RMB under the amount field's name."""

    MONEY_FIELDS: tuple[tuple[str, str], ...] = ()

    def clean_money(self, cleaned: dict) -> None:
        for amount, unit in self.MONEY_FIELDS:
            if amount in self.errors or amount not in cleaned:
                continue
            try:
                cleaned[amount] = to_rmb(cleaned[amount], cleaned.get(unit) or UNIT_YUAN)
            except ValidationError as error:
                self.add_error(amount, error)


def _unit_field(label) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=UNIT_CHOICES, initial=UNIT_WAN)


class NeedForm(MoneyMixin, forms.Form):
    """Posting (or editing) a need. ``with_place`` adds the industry and place pickers, pre-filled
    from the enterprise: a need's industry and place are its enterprise's."""

    title = forms.CharField(label=_("需求标题"), max_length=200)
    description = forms.CharField(
        label=_("遇到的问题"),
        max_length=models.DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "data-user-text": ""}),
    )
    budget_max = forms.CharField(label=_("预算上限"), max_length=32)
    budget_unit = _unit_field(_("预算单位"))
    timeline_weeks = forms.IntegerField(
        label=_("希望几周内上线"), min_value=1, max_value=models.DEPLOYMENT_WEEKS_MAX, required=False
    )
    industry = forms.ModelChoiceField(
        label=_("所属行业"), queryset=models.Industry.objects.order_by("position"), empty_label=_("请选择行业")
    )
    city = forms.ModelChoiceField(label=_("所在城市"), queryset=models.City.objects.all(), empty_label=_("请选择城市"))
    county = CountyChoiceField(
        label=_("所在区县"),
        queryset=models.County.objects.select_related("city"),
        required=False,
        empty_label=_("请选择区县"),
    )

    MONEY_FIELDS = (("budget_max", "budget_unit"),)
    PLACE_FIELDS = ("industry", "city", "county")

    def __init__(self, *args, with_place: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_place:
            for name in self.PLACE_FIELDS:
                del self.fields[name]
        else:
            self.fields["county"].widget.attrs.update({"data-county-for": "id_city", "data-county-value": "id"})
        self.fields["title"].widget.attrs.update(placeholder=_("如：窑炉温度控制和节能"))
        self.fields["description"].widget.attrs.update(placeholder=_("用自己的话说说现在的难处，例如：窑炉温度全靠老师傅看火，天然气费用一年比一年高，想降低能耗。"))
        self.fields["description"].help_text = _("写得越具体，匹配越准：设备、工序、现在的做法、想达到的效果。")
        self.fields["budget_max"].widget.attrs.update(inputmode="decimal", placeholder=_("如 15"))
        self.fields["timeline_weeks"].widget.attrs.update(inputmode="numeric", placeholder=_("如 8"))
        self.fields["timeline_weeks"].help_text = _("选填；不着急可以不填")

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_money(cleaned)
        check_county_in_city(self, cleaned)
        return cleaned

    def need_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("title", "description", "budget_max", "timeline_weeks")}

    def place_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PLACE_FIELDS}

    @classmethod
    def initial_for(cls, enterprise: models.Enterprise, need: models.Need | None = None) -> dict:
        initial = {"industry": enterprise.industry_id, "city": enterprise.city_id, "county": enterprise.county_id}
        if need is not None:
            amount, unit = from_rmb(need.budget_max)
            initial.update(title=need.title, description=need.description, budget_max=amount, budget_unit=unit,
                           timeline_weeks=need.timeline_weeks)  # fmt: skip
        return initial


class CloseNeedForm(forms.Form):
    outcome = forms.ChoiceField(choices=models.Need.Outcome.choices)


class ProposalForm(MoneyMixin, forms.Form):
    solution = forms.ModelChoiceField(label=_("用哪个方案"), queryset=models.Solution.objects.none(), empty_label=_("请选择方案"))
    price_quote = forms.CharField(label=_("报价"), max_length=32)
    price_unit = _unit_field(_("报价单位"))
    weeks = forms.IntegerField(label=_("几周上线"), min_value=1, max_value=models.DEPLOYMENT_WEEKS_MAX)
    message = forms.CharField(
        label=_("给企业的留言"), max_length=PROPOSAL_MESSAGE_MAX_CHARS, required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-user-text": ""}),
    )  # fmt: skip

    MONEY_FIELDS = (("price_quote", "price_unit"),)

    def __init__(self, *args, provider: models.Provider, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        own = models.Solution.objects.filter(provider=provider, is_active=True).order_by("title")
        self.fields["solution"].queryset = own
        self.fields["price_quote"].widget.attrs.update(inputmode="decimal", placeholder=_("如 12"))
        self.fields["weeks"].widget.attrs.update(inputmode="numeric")
        self.fields["message"].widget.attrs.update(placeholder=_("简单介绍您的做法、类似案例和下一步安排"))
        if lead is not None and not self.is_bound:
            amount, unit = from_rmb(lead.solution.price_min)
            self.initial.update(
                solution=lead.solution_id, price_quote=amount, price_unit=unit, weeks=lead.solution.deployment_weeks
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_money(cleaned)
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("solution", "price_quote", "weeks", "message")}


class ProviderProfileForm(forms.Form):
    contact_name = forms.CharField(label=_("联系人"), max_length=64)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=32)
    contact_email = forms.EmailField(label=_("联系邮箱(选填)"), required=False)
    lead_capacity = forms.IntegerField(label=_("每月可承接线索数"), min_value=0, max_value=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")
        self.fields["lead_capacity"].help_text = _("每月最多接收多少条新线索；忙不过来时调小，0 表示暂停接收")


class SolutionForm(MoneyMixin, forms.Form):
    title = forms.CharField(label=_("方案名称"), max_length=200)
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=models.Category.objects.order_by("position"), empty_label=_("请选择类别")
    )
    description = forms.CharField(
        label=_("方案介绍"),
        max_length=models.DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "data-user-text": ""}),
    )
    price_min = forms.CharField(label=_("最低报价"), max_length=32)
    price_max = forms.CharField(label=_("最高报价"), max_length=32)
    price_unit = _unit_field(_("报价单位"))
    deployment_weeks = forms.IntegerField(label=_("上线周期(周)"), min_value=0, max_value=models.DEPLOYMENT_WEEKS_MAX)
    delivery_mode = forms.ModelChoiceField(
        label=_("交付方式"), queryset=models.DeliveryMode.objects.order_by("position"), empty_label=_("请选择交付方式")
    )
    all_industries = forms.BooleanField(label=_("适用全部行业"), required=False)
    industries = forms.ModelMultipleChoiceField(
        label=_("适用行业"), queryset=models.Industry.objects.order_by("position"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    all_regions = forms.BooleanField(label=_("服务全省"), required=False)
    regions_served = forms.ModelMultipleChoiceField(
        label=_("服务城市"), queryset=models.City.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    cases = forms.IntegerField(label=_("落地案例数"), min_value=0, max_value=limits.CASES_MAX, initial=0)
    case_industries = forms.ModelMultipleChoiceField(
        label=_("案例行业"), queryset=models.Industry.objects.order_by("position"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    MONEY_FIELDS = (("price_min", "price_unit"), ("price_max", "price_unit"))
    FIELDS = ("title", "category", "description", "price_min", "price_max", "deployment_weeks", "delivery_mode",
              "all_industries", "industries", "all_regions", "regions_served", "cases", "case_industries")  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deployment_weeks"].help_text = _("0 表示即买即用")
        for name in ("price_min", "price_max"):
            self.fields[name].widget.attrs.update(inputmode="decimal")

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_money(cleaned)
        low, high = cleaned.get("price_min"), cleaned.get("price_max")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.add_error("price_max", ValidationError(PRICE_ORDER, code="price_order"))
        return cleaned

    def service_arguments(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    @classmethod
    def initial_for(cls, solution: models.Solution) -> dict:
        low, high = solution.price_min, solution.price_max
        unit = UNIT_WAN if low % 1_000 == 0 and high % 1_000 == 0 and low >= 10_000 else UNIT_YUAN
        scale = Decimal(10_000) if unit == UNIT_WAN else Decimal(1)

        def show(value: int) -> str:
            text = f"{Decimal(value) / scale:f}"
            return text.rstrip("0").rstrip(".") if "." in text else text

        return {
            "title": solution.title, "category": solution.category_id, "description": solution.description,
            "price_min": show(low), "price_max": show(high), "price_unit": unit,
            "deployment_weeks": solution.deployment_weeks, "delivery_mode": solution.delivery_mode_id,
            "all_industries": solution.all_industries, "industries": list(solution.industries.all()),
            "all_regions": solution.all_regions, "regions_served": list(solution.regions_served.all()),
            "cases": solution.cases, "case_industries": list(solution.case_industries.all()),
        }  # fmt: skip

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class LeadFilterForm(forms.Form):
    """The lead inbox's filters, shown to the provider; ``filters()`` turns them into ``LeadFilter``'s."""

    city = forms.ChoiceField(label=_("城市"), required=False)
    county = forms.ChoiceField(label=_("区县"), required=False)
    industry = forms.ChoiceField(label=_("行业"), required=False)
    budget_min = forms.CharField(label=_("预算不低于"), required=False)
    budget_max = forms.CharField(label=_("预算不超过"), required=False)
    score_min = forms.CharField(label=_("匹配度不低于(%)"), required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["city"].choices = [("", _("全部城市"))] + [(c.name, str(c)) for c in models.City.objects.all()]
        self.fields["industry"].choices = [("", _("全部行业"))] + [
            (i.code, str(i)) for i in models.Industry.objects.order_by("position")
        ]
        city = (data or {}).get("city", "")
        counties = models.County.objects.filter(city_id=city) if city else models.County.objects.none()
        self.fields["county"].choices = [("", _("全部区县"))] + [(c.name, c.display_name) for c in counties]
        self.fields["county"].widget.attrs.update({"data-county-for": "id_city", "data-county-value": "name"})
        for name in ("budget_min", "budget_max"):
            self.fields[name].widget.attrs.update(placeholder=_("如 10万"), inputmode="decimal")
        self.fields["score_min"].widget.attrs.update(placeholder=_("如 50"), inputmode="numeric")

    def filters(self) -> tuple[dict[str, str], list[str]]:
        """(filters for ``selectors.lead_list``, messages about values that could not be read)."""
        data = self.data or {}
        raw = {name: str(data.get(name, "")).strip() for name in self.fields if str(data.get(name, "")).strip()}
        filters: dict[str, str] = {name: raw[name] for name in ("city", "county", "industry") if name in raw}
        problems: list[str] = []
        for name in ("budget_min", "budget_max"):
            if name in raw:
                try:
                    value = parse_price(raw[name])
                except ValueError:
                    problems.append(f"{self.fields[name].label}: {AMOUNT_INVALID}")
                    continue
                if value is not None and value <= MONEY_MAX:
                    filters[name] = str(value)
        if "score_min" in raw:
            try:
                percent = Decimal(raw["score_min"].rstrip("%"))
                if not percent.is_finite() or not 0 <= percent <= 100:
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(str(SCORE_INVALID))
            else:
                filters["score_min"] = str(percent / 100)
        return filters, problems

