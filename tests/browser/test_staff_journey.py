"""The administrator's journey in a real browser: label a match in the review queue and see the
dashboard's figures change; preview ranking weights; read the county heat table. Screenshots
under test-results/screenshots/."""
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from marketplace.catalog import models
from matching.evaluation import VARIANTS
from matching.models import MatchLabel, RankingSettings
from tests.marketplace.staff_data import load_staff_marketplace

pytestmark = pytest.mark.browser

PASSWORD = "staff-pass-2026"


@pytest.fixture
def administrator(catalog, tmp_path) -> models.User:
    cache.clear()
    load_staff_marketplace(tmp_path)
    yield models.User.objects.create_user("county-admin", password=PASSWORD, is_staff=True)
    cache.clear()


def log_in(page, username: str = "county-admin") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="匹配质量", exact=True).first).to_be_visible()


def test_administrator_labels_a_match_and_sees_the_dashboard_change(page, screenshot, administrator):
    log_in(page)
    page.get_by_role("link", name="匹配质量", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("匹配质量看板")
    expect(page.locator('[data-figure="labels"]')).to_have_text("0")
    expect(page.locator("#eval-dev tbody tr")).to_have_count(len(VARIANTS))
    expect(page.locator("#eval-labels")).to_have_count(0)
    screenshot("dashboard-before")

    page.get_by_role("link", name="标注队列").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("标注队列")
    need_title = page.locator("#review-need-title").inner_text()
    solution_title = page.locator(".review-solution h2").inner_text()
    page.get_by_label("备注（可选）").fill("方案对口，但要确认炉型")
    screenshot("review")
    page.get_by_role("button", name="相关", exact=True).click()

    expect(page.locator(".messages")).to_contain_text(f"已标注为“相关”：{solution_title}")
    expect(page.locator(".recent-labels")).to_contain_text(need_title)
    expect(page.locator("#review-need-title, .review-solution h2").first).to_be_visible()  # the next item
    label = MatchLabel.objects.get()
    assert (label.grade, label.note, label.labelled_by.username) == (2, "方案对口，但要确认炉型", "county-admin")

    page.get_by_role("link", name="匹配质量", exact=True).last.click()
    expect(page.locator('[data-figure="labels"]')).to_have_text("1")
    expect(page.locator('[data-figure="useful"]')).to_have_text("100.0%")
    expect(page.locator("#eval-labels tbody tr")).to_have_count(len(VARIANTS))
    expect(page.locator("#eval-labels caption")).to_contain_text("1 条需求")
    screenshot("dashboard-after")


def test_administrator_previews_weights_and_reads_the_county_heat_table(page, screenshot, administrator):
    log_in(page)
    page.goto("/staff/weights/")
    page.get_by_label("预算匹配").fill("0")
    page.get_by_label("相关度保底").fill("0.2")
    page.get_by_role("button", name="预览效果").click()
    expect(page.locator(".preview-table").first.locator("tbody tr")).to_have_count(4)
    expect(page.locator(".weight-field.is-changed")).to_have_count(2)
    screenshot("weights-preview")
    assert not RankingSettings.objects.exists()

    page.get_by_role("link", name="产业大脑").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("区县需求分布")
    page.get_by_label("城市").select_option(label="淄博市")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"city="))
    expect(page.locator(".heat-table")).to_contain_text("博山区")
    screenshot("clusters")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 CSV").click()
    assert download.value.suggested_filename == "demand-by-county.csv"

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/staff/")
    screenshot("dashboard-phone")


def test_staff_pages_in_english(page, screenshot, administrator):
    log_in(page)
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("link", name="Match quality", exact=True).first).to_be_visible()
    page.goto("/staff/clusters/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Industry brain: demand by county")
    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Match quality dashboard")
    expect(page.locator("#eval-dev caption")).to_contain_text("Development set")
    screenshot("dashboard-english")
