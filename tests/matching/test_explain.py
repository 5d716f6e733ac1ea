"""Reasons rendered in the reader's language: every code in Chinese and English, with industry,
city and county names from the reference data and amounts in the reader's units."""
from __future__ import annotations

import re

import pytest
from django.utils import translation

from matching import explain
from matching.engine import Reason
from matching.engine.reasons import CODES

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")

EXAMPLES = [
    (Reason("within_budget"), "报价在预算内", "Priced within budget"),
    (Reason("partly_over_budget", {"price_max": 200_000}), "报价部分超出预算（最高20万元）",
     "Upper price range exceeds budget (up to RMB 200,000)"),
    (Reason("over_budget"), "超出预算", "Over budget"),
    (Reason("industry_cases", {"industry": "ceramics", "count": 11}), "已在陶瓷行业落地11家", "Running at 11 ceramics plants"),
    (Reason("industry_cases", {"industry": "ceramics", "count": 1}), "已在陶瓷行业落地1家", "Running at 1 ceramics plant"),
    (Reason("industry_proven", {"industry": "ceramics", "count": 12}), "已有陶瓷行业案例，累计落地12家",
     "Proven in ceramics; 12 sites in total"),
    (Reason("industry_listed", {"industry": "chemical"}), "适用于化工行业", "Built for chemicals"),
    (Reason("all_industries"), "通用于各行业", "Works across industries"),
    (Reason("industry_not_listed", {"industry": "ceramics"}), "未列出陶瓷行业", "Not listed for ceramics"),
    (Reason("cases", {"count": 11}), "已落地11家", "Running at 11 sites"),
    (Reason("cases_unverified"), "案例为服务商自报，未经平台核实", "Cases are the provider's own figure, not verified by the platform"),
    (Reason("serves_county", {"city": "淄博市", "county": "博山区"}), "服务淄博市博山区", "Serves Boshan District, Zibo"),
    (Reason("serves_city", {"city": "淄博市"}), "服务淄博市", "Serves Zibo"),
    (Reason("serves_province"), "全省服务", "Serves the whole province"),
    (Reason("region_not_served", {"city": "淄博市"}), "未覆盖淄博市", "Does not serve Zibo"),
    (Reason("weeks_over_timeline", {"weeks": 12, "timeline": 8}), "需12周上线，超出期望8周", "Needs 12 weeks (target 8)"),
    (Reason("ready_now"), "即买即用", "Ready to use immediately"),
    (Reason("weeks_to_live", {"weeks": 6}), "6周上线", "Live in 6 weeks"),
    (Reason("weeks_to_live", {"weeks": 1}), "1周上线", "Live in 1 week"),
]  # fmt: skip


@pytest.mark.parametrize(("reason", "zh", "en"), EXAMPLES, ids=lambda value: getattr(value, "code", None))
def test_each_reason_in_both_languages(reason, zh, en):
    assert explain.render_in([reason], explain.CHINESE) == [zh]
    assert explain.render_in([reason], explain.ENGLISH) == [en]
    assert explain.render_in([reason.as_dict()], explain.ENGLISH) == [en]  # the stored JSON form
    assert not CJK.search(en)


def test_every_code_has_a_message_and_an_example():
    assert set(explain.MESSAGES) == set(CODES)
    assert {reason.code for reason, _zh, _en in EXAMPLES} == set(CODES)


def test_the_same_county_name_in_two_cities():
    shizhong = [Reason("serves_county", {"city": "济南市", "county": "市中区"}),
                Reason("serves_county", {"city": "枣庄市", "county": "市中区"})]  # fmt: skip
    assert explain.render_in(shizhong, explain.ENGLISH) == [
        "Serves Shizhong District, Jinan", "Serves Shizhong District, Zaozhuang"]


def test_render_follows_the_active_language_and_skips_unknown_codes():
    reasons = [Reason("serves_city", {"city": "淄博市"}), {"code": "retired_code", "params": {}}]
    assert explain.render(reasons) == ["服务淄博市"]
    with translation.override("en"):
        assert explain.render(reasons) == ["Serves Zibo"]
        assert explain.badges(reasons) == [{"text": "Serves Zibo", "tone": "ok"}]
