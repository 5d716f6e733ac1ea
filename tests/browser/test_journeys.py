"""Journeys through the pages in a real browser; each saves a screenshot under test-results/screenshots/."""
import re

import pytest
from playwright.sync_api import expect

from marketplace.catalog import models

pytestmark = pytest.mark.browser


def test_visitor_searches_in_chinese_filters_by_city_and_opens_a_solution(page, screenshot):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("找得到、用得起")
    screenshot("home")

    page.get_by_label("搜索解决方案").fill("窑炉")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/solutions/\?q="))
    expect(page.locator(".result-count")).to_contain_text("共 1 个方案")

    page.get_by_label("服务城市").select_option(label="淄博市")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_label("服务城市")).to_have_value("淄博市")
    expect(page.get_by_label("关键词")).to_have_value("窑炉")
    expect(page.locator(".solution-card")).to_have_count(1)
    screenshot("list")

    page.get_by_role("link", name="窑炉智慧大脑").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("窑炉智慧大脑")
    expect(page.locator(".stat-row")).to_contain_text("8–18万元")
    expect(page.locator(".detail-side")).to_contain_text("淄博海智造科技有限公司")
    screenshot("detail")


def test_bad_filter_values_show_a_message_in_the_page(page, screenshot):
    page.goto("/solutions/?price_max=abc&city=不存在&page=999")
    expect(page.locator("#filter-errors")).to_contain_text("起步价不超过：请填写金额")
    screenshot("bad-filters")


def test_language_switch_shows_english(page, screenshot):
    page.goto("/solutions/?q=窑炉")
    expect(page.get_by_role("link", name="解决方案", exact=True)).to_be_visible()

    page.get_by_label("语言").select_option("en")
    page.wait_for_load_state()
    expect(page.get_by_role("link", name="Solutions", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Filter")).to_be_visible()
    expect(page.locator(".result-count")).to_contain_text("1 solution")
    expect(page).to_have_url(re.compile(r"/solutions/\?q="))  # back on the same page and query
    screenshot("english-list")

    page.get_by_role("link", name="Providers", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Providers")  # the choice sticks
    screenshot("english-providers")


def test_enterprise_signs_up_with_city_and_county_pickers_and_is_logged_in(page, screenshot):
    page.goto("/")
    page.get_by_role("link", name="发布需求").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("企业注册")

    page.get_by_label("单位名称").fill("淄博博山琉璃工艺有限公司")
    page.get_by_label("所属行业").select_option(label="陶瓷")
    county = page.get_by_label("所在区县")
    expect(county).to_be_disabled()  # until a city is chosen
    page.get_by_label("所在城市").select_option(label="淄博市")
    expect(county.locator("option")).to_have_count(9)  # the placeholder and 淄博's 8 counties
    county.select_option(label="博山区")
    page.get_by_label("联系人").fill("王经理")
    page.get_by_label("联系电话").fill("0533-4180000")
    page.get_by_label("用户名").fill("boshan-glass")
    page.get_by_label(re.compile(r"^密码")).fill("kiln-pass-2026")
    page.get_by_label("再次输入密码").fill("kiln-pass-2026")
    screenshot("form")
    page.get_by_role("button", name="注册", exact=True).click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".messages")).to_contain_text("注册成功")
    expect(page.locator(".user-chip")).to_contain_text("boshan-glass")
    expect(page.locator(".user-chip")).to_contain_text("企业用户")
    screenshot("logged-in")

    user = models.User.objects.select_related("enterprise__county").get(username="boshan-glass")
    assert (user.enterprise.name, user.enterprise.city_id, user.enterprise.county.name) == ("淄博博山琉璃工艺有限公司", "淄博市", "博山区")
    assert user.enterprise.industry_id == "ceramics"
