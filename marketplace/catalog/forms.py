"""Forms of the web pages: the catalog search (rendering and money parsing; the filtering itself is
``SolutionFilter``'s) and the two sign-up forms."""
from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from marketplace.catalog import models
from marketplace.catalog.credit_codes import ALPHABET, check_character

# Messages the user sees (tests assert them).
PRICE_INVALID = _("请填写金额，例如 200000 或 20万")
WEEKS_INVALID = _("请填写整周数，例如 8")
FILTER_INVALID = _("筛选条件有误，请检查后重试：")
USERNAME_TAKEN = _("该用户名已被使用")
PASSWORDS_DIFFER = _("两次输入的密码不一致")
COUNTY_NOT_IN_CITY = _("所选区县不属于所选城市")


def check_county_in_city(form: forms.Form, cleaned: Mapping) -> None:
    """Put the error on the county field when the county picked is not in the city picked."""
    city, county = cleaned.get("city"), cleaned.get("county")
    if city and county and county.city_id != city.pk:
        form.add_error("county", ValidationError(COUNTY_NOT_IN_CITY, code="county_city"))
CREDIT_CODE_LENGTH = _("统一社会信用代码应为18位")
CREDIT_CODE_CHARACTER = _("统一社会信用代码含有非法字符：%(char)s")
CREDIT_CODE_CHECK = _("统一社会信用代码校验位错误，请核对")

_WAN = re.compile(r"^(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>万元|万|w|W)?\s*(?:元)?$")


def parse_price(text: str) -> int | None:
    """RMB from what people type: "200000", "200,000", "¥200000元", "20万", "20.5 万元", "20w".

    Empty means no limit (None); anything else raises ``ValueError``.
    """
    cleaned = text.strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not cleaned:
        return None
    match = _WAN.match(cleaned)
    if not match:
        raise ValueError(text)
    try:
        amount = Decimal(match["number"])
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(text) from error
    if match["unit"]:
        amount *= 10_000
    return int(amount)


def _code_choices(model: type[models.ReferenceCode], everything: str) -> list[tuple[str, str]]:
    return [("", everything)] + [(item.code, str(item)) for item in model.objects.order_by("position")]


class SolutionSearchForm(forms.Form):
    """The catalog's search and filter fields. ``filters()`` turns the query string into what
    ``selectors.solution_list`` takes, with money in RMB."""

    q = forms.CharField(label=_("关键词"), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    industry = forms.ChoiceField(label=_("行业"), required=False)
    city = forms.ChoiceField(label=_("服务城市"), required=False)
    county = forms.ChoiceField(label=_("服务商所在区县"), required=False)
    tier = forms.ChoiceField(label=_("服务商层级"), required=False)
    delivery_mode = forms.ChoiceField(label=_("交付方式"), required=False)
    price_max = forms.CharField(label=_("起步价不超过"), required=False)
    deployment_weeks_max = forms.CharField(label=_("上线周期不超过(周)"), required=False)

    FIELD_NAMES = ("q", "category", "industry", "city", "county", "tier", "delivery_mode", "price_max",
                   "deployment_weeks_max")  # fmt: skip

    def __init__(self, data: Mapping | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs.update(placeholder=_("如：窑炉、能耗、视觉检测"), type="search")
        self.fields["category"].choices = _code_choices(models.Category, _("全部类别"))
        self.fields["industry"].choices = _code_choices(models.Industry, _("全部行业"))
        self.fields["tier"].choices = _code_choices(models.Tier, _("全部层级"))
        self.fields["delivery_mode"].choices = _code_choices(models.DeliveryMode, _("全部方式"))
        self.fields["city"].choices = [("", _("全省"))] + [(c.name, str(c)) for c in models.City.objects.all()]
        city = (data or {}).get("city", "")
        counties = models.County.objects.filter(city_id=city) if city else models.County.objects.none()
        self.fields["county"].choices = [("", _("全部区县"))] + [(c.name, c.display_name) for c in counties]
        self.fields["county"].widget.attrs.update({"data-county-for": "id_city", "data-county-value": "name"})
        self.fields["price_max"].widget.attrs.update(placeholder=_("如 20万 或 200000"), inputmode="decimal")
        self.fields["deployment_weeks_max"].widget.attrs.update(placeholder=_("如 8"), inputmode="numeric")

    def full_clean(self) -> None:
        # Validation is SolutionFilter's (the same rules as the API); this form only renders, and
        # carries the errors put on it by ``filters()`` and by the view.
        self._errors = ErrorDict()
        self.cleaned_data = {}

    def filters(self) -> dict[str, str]:
        """The query string as ``solution_list`` takes it: money in RMB, empty values left out.
        Values that cannot be read become field errors and are left out too."""
        self.full_clean()
        data = self.data or {}
        filters = {name: data.get(name, "").strip() for name in self.FIELD_NAMES if data.get(name, "").strip()}
        if "price_max" in filters:
            try:
                filters["price_max"] = str(parse_price(filters["price_max"]))
            except ValueError:
                self.add_error("price_max", PRICE_INVALID)
                del filters["price_max"]
        if "deployment_weeks_max" in filters and not filters["deployment_weeks_max"].isdigit():
            self.add_error("deployment_weeks_max", WEEKS_INVALID)
            del filters["deployment_weeks_max"]
        return filters


COUNTY_IN_CITY = _("%(city)s%(county)s")


class CountyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: models.County) -> str:
        """淄博市博山区 / Boshan District, Zibo (names repeat across cities: 市中区)."""
        return str(COUNTY_IN_CITY % {"city": obj.city, "county": obj.display_name})


def _credit_code_errors(value: str) -> None:
    if not value:
        return
    if len(value) != 18:
        raise ValidationError(CREDIT_CODE_LENGTH, code="credit_code")
    for char in value:
        if char not in ALPHABET:
            raise ValidationError(CREDIT_CODE_CHARACTER, code="credit_code", params={"char": char})
    if value[17] != check_character(value[:17]):
        raise ValidationError(CREDIT_CODE_CHECK, code="credit_code")


class SignupForm(forms.Form):
    """The fields both sides fill in: the account, the organisation and who to contact."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("再次输入密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    company_name = forms.CharField(label=_("单位名称"), max_length=200)
    credit_code = forms.CharField(
        label=_("统一社会信用代码(选填)"), max_length=18, required=False, validators=[_credit_code_errors]
    )
    city = forms.ModelChoiceField(label=_("所在城市"), queryset=models.City.objects.all(), empty_label=_("请选择城市"))
    county = CountyChoiceField(
        label=_("所在区县"),
        queryset=models.County.objects.select_related("city"),
        required=False,
        empty_label=_("请选择区县"),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=64)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=32)
    contact_email = forms.EmailField(label=_("联系邮箱(选填)"), required=False)

    # Field names of the models whose errors belong to a field here.
    MODEL_FIELDS = {"name": "company_name", "username": "username", "email": "contact_email", "password": "password1"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["county"].widget.attrs.update({"data-county-for": "id_city", "data-county-value": "id"})
        self.fields["contact_phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")
        self.fields["credit_code"].widget.attrs.update(placeholder="91370300MA3XXXXXXX", autocapitalize="characters")
        self.fields["credit_code"].help_text = _("18位，营业执照上可查")

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if models.User.objects.filter(username__iexact=username).exists():
            raise ValidationError(USERNAME_TAKEN, code="taken")
        return username

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].strip().upper()

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", ValidationError(PASSWORDS_DIFFER, code="password_mismatch"))
        elif password1:
            try:
                password_validation.validate_password(password1, models.User(username=cleaned.get("username", "")))
            except ValidationError as error:
                self.add_error("password1", error)
        check_county_in_city(self, cleaned)
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "username": data["username"],
            "password": data["password1"],
            "company_name": data["company_name"],
            "credit_code": data["credit_code"],
            "city": data["city"],
            "county": data["county"],
            "contact_name": data["contact_name"],
            "contact_phone": data["contact_phone"],
            "contact_email": data["contact_email"],
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ``ValidationError`` on the fields it names (the rest on the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            field = self.MODEL_FIELDS.get(name, name)
            self.add_error(field if field in self.fields else None, messages)


class EnterpriseSignupForm(SignupForm):
    industry = forms.ModelChoiceField(
        label=_("所属行业"), queryset=models.Industry.objects.order_by("position"), empty_label=_("请选择行业")
    )

    field_order = ["company_name", "credit_code", "industry", "city", "county", "contact_name", "contact_phone",
                   "contact_email", "username", "password1", "password2"]  # fmt: skip

    def service_arguments(self) -> dict:
        return {**super().service_arguments(), "industry": self.cleaned_data["industry"]}


class ProviderSignupForm(SignupForm):
    field_order = EnterpriseSignupForm.field_order
