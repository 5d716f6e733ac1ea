"""The engine's reasons (codes with parameters, see ``matching/engine/reasons.py``) in words, in
the reader's language: gettext messages written in Chinese with their English in
locale/en/LC_MESSAGES/django.po, and industry, city and county names from the reference data
in the same language (淄博市 / Zibo, 博山区 / Boshan District).

Every surface that shows reasons renders them here, at read time: the pages (``reason_badges``),
the API (``reasons``, ``reasons_zh``, ``reasons_en``), the ``match`` command and the admin.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from marketplace.catalog.models import City, County, Industry
from marketplace.catalog.templatetags.marketplace_ui import money
from matching.engine import Reason
from matching.engine import reasons as codes

logger = logging.getLogger(__name__)

CHINESE, ENGLISH = "zh-hans", "en"

MESSAGES = {
    codes.WITHIN_BUDGET: _("报价在预算内"),
    codes.PARTLY_OVER_BUDGET: _("报价部分超出预算（最高%(price_max)s）"),
    codes.OVER_BUDGET: _("超出预算"),
    codes.INDUSTRY_CASES: ngettext_lazy("已在%(industry)s行业落地%(count)s家", "已在%(industry)s行业落地%(count)s家", "count"),
    codes.INDUSTRY_PROVEN: ngettext_lazy(
        "已有%(industry)s行业案例，累计落地%(count)s家", "已有%(industry)s行业案例，累计落地%(count)s家", "count"
    ),
    codes.INDUSTRY_LISTED: _("适用于%(industry)s行业"),
    codes.ALL_INDUSTRIES: _("通用于各行业"),
    codes.INDUSTRY_NOT_LISTED: _("未列出%(industry)s行业"),
    codes.CASES: ngettext_lazy("已落地%(count)s家", "已落地%(count)s家", "count"),
    codes.CASES_UNVERIFIED: _("案例为服务商自报，未经平台核实"),
    codes.SERVES_COUNTY: _("服务%(city)s%(county)s"),
    codes.SERVES_CITY: _("服务%(city)s"),
    codes.SERVES_PROVINCE: _("全省服务"),
    codes.REGION_NOT_SERVED: _("未覆盖%(city)s"),
    codes.WEEKS_OVER_TIMELINE: _("需%(weeks)s周上线，超出期望%(timeline)s周"),
    codes.READY_NOW: _("即买即用"),
    codes.WEEKS_TO_LIVE: ngettext_lazy("%(weeks)s周上线", "%(weeks)s周上线", "weeks"),
}

# Badge tones: a strength (ok), neutral (soft), a caveat (warn).
TONES = {
    codes.PARTLY_OVER_BUDGET: "warn",
    codes.OVER_BUDGET: "warn",
    codes.INDUSTRY_NOT_LISTED: "warn",
    codes.REGION_NOT_SERVED: "warn",
    codes.WEEKS_OVER_TIMELINE: "warn",
    codes.INDUSTRY_LISTED: "soft",
    codes.ALL_INDUSTRIES: "soft",
    codes.SERVES_PROVINCE: "soft",
    codes.CASES_UNVERIFIED: "soft",
}


@dataclass(frozen=True)
class _Names:
    industries: Mapping[str, tuple[str, str]]
    cities: Mapping[str, str]
    counties: Mapping[tuple[str, str], str]


@functools.cache
def _names() -> _Names:
    """Reference names, read once per process (they change only with ``load_taxonomy``)."""
    return _Names(
        industries={code: (zh, en) for code, zh, en in Industry.objects.values_list("code", "name_zh", "name_en")},
        cities=dict(City.objects.values_list("name", "name_en")),
        counties={(city, name): name_en for city, name, name_en in County.objects.values_list("city", "name", "name_en")},
    )


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _params(params: Mapping) -> dict:
    """Parameters as the reader sees them: names in the active language, amounts formatted."""
    names, english = _names(), _english()
    shown = dict(params)
    if "industry" in params:
        zh, en = names.industries.get(params["industry"], (params["industry"],) * 2)
        shown["industry"] = en.lower() if english else zh
    if "county" in params:
        shown["county"] = (names.counties.get((params.get("city"), params["county"])) if english else None) or params["county"]
    if "city" in params:
        shown["city"] = (names.cities.get(params["city"]) if english else None) or params["city"]
    if "price_max" in params:
        shown["price_max"] = money(params["price_max"])
    return shown


def as_reason(item: Reason | Mapping) -> Reason:
    """A reason from the engine or from its JSON form (``Match.reasons``)."""
    return item if isinstance(item, Reason) else Reason.from_dict(item)


def _known(reasons: Iterable[Reason | Mapping]) -> list[Reason]:
    known = []
    for reason in map(as_reason, reasons or ()):
        if reason.code in MESSAGES:
            known.append(reason)
        else:
            logger.warning("No message for the reason code %r; not shown", reason.code)
    return known


def render(reasons: Iterable[Reason | Mapping]) -> list[str]:
    """The reasons in words, in the active language."""
    return [str(MESSAGES[r.code] % _params(r.params)) for r in _known(reasons)]


def render_in(reasons: Iterable[Reason | Mapping], language: str) -> list[str]:
    """The reasons in words, in ``language`` (``CHINESE`` or ``ENGLISH``)."""
    with translation.override(language):
        return render(reasons)


def badges(reasons: Iterable[Reason | Mapping]) -> list[dict[str, str]]:
    """``[{"text", "tone"}]`` in the active language; tone ok, soft or warn."""
    known = _known(reasons)
    return [{"text": text, "tone": TONES.get(r.code, "ok")} for text, r in zip(render(known), known)]


def as_json(reasons: Iterable[Reason | Mapping]) -> list[dict]:
    """The stored and API form: ``[{"code": ..., "params": {...}}]``."""
    return [as_reason(r).as_dict() for r in reasons or ()]
