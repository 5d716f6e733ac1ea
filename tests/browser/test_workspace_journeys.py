"""The docking journey in a real browser with the real matching flow (hashing embedder, jobs run
inline): an enterprise posts a need in Chinese and sees explained matches; the provider whose
solution matched finds the lead and proposes; the enterprise accepts and both sides see each
other's contacts; the same pages in English. Each step saves a screenshot."""
from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import transaction
from playwright.sync_api import expect

from marketplace.catalog import models
from marketplace.docking import services
from marketplace.docking.services import workflow
from marketplace.docking.models import Lead
from tests.e2e.conftest import fixture_catalog_rows
from tests.e2e.test_matching_real import _kiln_catalog

pytestmark = pytest.mark.browser

PASSWORD = "kiln-pass-2026"
NEED_TITLE = "窑炉温度靠老师傅看火，天然气费用高"
NEED_TEXT = "我们是博山的日用陶瓷厂，两条辊道窑。烧成温度全靠老师傅看火，合格率不稳，天然气费用一年比一年高，想做窑炉温度监测和节能优化。"
BRAIN = "窑炉智慧大脑"
BRAIN_PROVIDER = "淄博海智造科技有限公司"


@pytest.fixture
def catalog(transactional_db, tmp_path) -> None:
    """Overrides the small catalog of conftest: 海智造's kiln brain, its competitors in energy and
    digital twins for ceramics and some noise from fixtures/catalog.csv, indexed."""
    call_command("load_taxonomy", verbosity=0)
    path = tmp_path / "kiln.csv"
    path.write_bytes(fixture_catalog_rows(_kiln_catalog))
    call_command("import_catalog", str(path), verbosity=0)
    call_command("build_index", verbosity=0)


@pytest.fixture
def people(catalog) -> dict[str, models.User]:
    """A ceramics plant in 博山 and a user of the kiln brain's provider, both with contacts."""
    boshan = models.County.objects.get(city_id="淄博市", name="博山区")
    enterprise_user = services.enterprise_signup(
        username="boshan-ceramics", password=PASSWORD, company_name="淄博博山陶瓷示范厂",
        industry=models.Industry.objects.get(code="ceramics"), city=boshan.city, county=boshan,
        contact_name="王厂长", contact_phone="0533-4180001", contact_email="wang@example.com",
    )  # fmt: skip
    provider = models.Solution.objects.get(title=BRAIN).provider
    provider_user = models.User.objects.create_user(username="hzz-sales", password=PASSWORD, provider=provider)
    services.provider_update(actor=provider_user, provider=provider, contact_name="李工程师",
                             contact_phone="0533-3586002", contact_email="li@example.com")  # fmt: skip
    return {"enterprise": enterprise_user, "provider": provider_user}


def _log_in(page, username: str, label_user: str = "用户名", label_password: str = "密码", button: str = "登录") -> None:
    page.goto("/accounts/login/")
    page.get_by_label(label_user).fill(username)
    page.get_by_label(re.compile(f"^{label_password}")).fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def _log_out(page) -> None:
    page.locator(".nav-user").get_by_role("button", name=re.compile("退出|Log out")).click()
    page.wait_for_load_state()


def _posted_need(user: models.User) -> models.Need:
    with transaction.atomic():  # matching and lead allocation follow on commit, as after a page's POST
        need = workflow.need_create(actor=user, title=NEED_TITLE, description=NEED_TEXT, budget_max=150_000, timeline_weeks=8)
    return need


def test_enterprise_posts_provider_proposes_enterprise_accepts_both_see_contacts(page, screenshot, people):
    # (a) The enterprise posts its need in Chinese and sees explained matches.
    _log_in(page, "boshan-ceramics")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的需求").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的需求")
    page.get_by_role("link", name="发布第一条需求").click()
    expect(page.get_by_label("所在城市")).to_have_value("淄博市")  # pre-filled from the enterprise
    expect(page.get_by_label("所属行业")).to_have_value("ceramics")
    page.get_by_label("需求标题").fill(NEED_TITLE)
    page.get_by_label("遇到的问题").fill(NEED_TEXT)
    page.get_by_label("预算上限").fill("十五万")  # not a number: the form says so and keeps the rest
    page.get_by_label("预算单位").select_option("wan")
    page.get_by_label("希望几周内上线").fill("8")
    page.get_by_role("button", name="发布并查看匹配方案").click()
    expect(page.locator(".field-invalid .field-error")).to_contain_text("请填写金额")
    expect(page.get_by_label("遇到的问题")).to_have_value(NEED_TEXT)
    screenshot("a1-need-form-error")
    page.get_by_label("预算上限").fill("15")
    page.get_by_role("button", name="发布并查看匹配方案").click()

    expect(page.locator(".messages")).to_contain_text("需求已发布")
    expect(page.get_by_role("heading", level=1)).to_have_text(NEED_TITLE)
    expect(page.locator(".stat-row")).to_contain_text("15万元")
    first = page.locator(".match-card").first
    expect(first).to_contain_text(BRAIN)
    expect(first.locator(".reason-badges")).to_contain_text("已有陶瓷行业案例，累计落地12家")
    expect(first.locator(".reason-badges")).to_contain_text("6周上线")
    expect(first.locator(".reason-badges")).to_contain_text("案例为服务商自报，未经平台核实")
    within_budget = page.locator(".match-card .badge-ok", has_text="报价在预算内").first
    expect(within_budget).to_be_hidden()  # only the brain is a strong match: the rest are folded
    page.get_by_role("group").get_by_text("更多选择").click()
    expect(within_budget).to_be_visible()
    screenshot("a2-need-matches")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    expect(page.locator(".match-card").first).to_be_visible()
    full = screenshot("a2-need-phone")
    page.evaluate("document.getElementById('matches').scrollIntoView()")
    page.screenshot(path=str(full.with_name(f"{full.stem}-matches.png")))  # what the thumb sees
    page.set_viewport_size({"width": 1280, "height": 900})
    need = models.Need.objects.get(title=NEED_TITLE)
    assert need.budget_max == 150_000

    # Compare up to three side by side.
    cards = page.locator(".match-card")
    for index in range(3):
        cards.nth(index).get_by_label("加入对比").check()
    expect(cards.nth(3).get_by_label("加入对比")).to_be_disabled()  # at most three
    page.get_by_role("button", name="对比所选方案").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("方案对比")
    expect(page.locator(".compare-table thead th")).to_have_count(4)
    screenshot("a3-compare")

    # Over-budget options only when asked, and flagged.
    page.goto(f"/workspace/needs/{need.ref}/")
    expect(page.locator(".match-over-budget")).to_have_count(0)
    page.get_by_label("也显示超出预算的方案").check()
    expect(page).to_have_url(re.compile(r"over_budget=1"))
    _log_out(page)

    # (b) The provider whose solution matched sees the lead, anonymous, and proposes.
    provider = people["provider"].provider
    assert Lead.objects.filter(need=need, provider=provider).exists()
    _log_in(page, "hzz-sales")
    expect(page.locator(".bell-count")).to_have_text("1")  # the new-lead notification
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="线索", exact=True).click()
    lead_card = page.locator(".lead-card", has_text=NEED_TITLE)
    expect(lead_card).to_contain_text(BRAIN)  # why matched: which solution, and the reasons
    expect(lead_card.locator(".reason-badges")).to_contain_text("服务淄博市")
    expect(page.locator("main")).not_to_contain_text("淄博博山陶瓷示范厂")  # anonymous until accepted
    screenshot("b1-lead-inbox")
    lead_card.get_by_role("link", name="查看并提交方案建议").click()
    expect(page.get_by_label("用哪个方案")).to_have_value(str(models.Solution.objects.get(title=BRAIN).pk))
    page.get_by_role("textbox", name="报价").fill("12")
    page.get_by_label("报价单位").select_option("wan")
    page.get_by_label("几周上线").fill("6")
    page.get_by_label("给企业的留言").fill("可先在一条辊道窑上试点，6周上线。")
    page.get_by_role("button", name="发送方案建议").click()
    expect(page.locator(".messages")).to_contain_text("方案建议已发送")
    expect(page.locator(".proposal-card")).to_contain_text("待答复")
    screenshot("b2-proposal-sent")
    _log_out(page)

    # (c) The enterprise accepts; both sides see each other's contacts.
    _log_in(page, "boshan-ceramics")
    expect(page.locator(".bell-count")).to_have_text("1")
    page.locator(".bell").click()
    expect(page.locator(".notification").first).to_contain_text(f"{BRAIN_PROVIDER} 对需求“{NEED_TITLE}”提交了方案建议，报价 120,000 元")
    page.get_by_role("button", name="查看").first.click()
    expect(page.locator(".bell-count")).to_have_count(0)  # read on opening
    proposal = page.locator(".proposal-card", has_text=BRAIN_PROVIDER)
    expect(proposal).to_contain_text("12万元")
    proposal.get_by_role("button", name="接受，交换联系方式").click()
    expect(page.locator(".messages")).to_contain_text("已接受该方案建议")
    expect(page.locator(".contact-reveal")).to_contain_text("0533-3586002")
    expect(page.locator(".contact-reveal")).to_contain_text("李工程师")
    screenshot("c1-accepted-enterprise")
    _log_out(page)

    _log_in(page, "hzz-sales")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的方案建议").click()
    accepted = page.locator(".proposal-card", has_text=NEED_TITLE)
    expect(accepted).to_contain_text("已接受")
    expect(accepted.locator(".contact-card")).to_contain_text("淄博博山陶瓷示范厂")
    expect(accepted.locator(".contact-card")).to_contain_text("0533-4180001")
    screenshot("c2-accepted-provider")
    _log_out(page)

    # The enterprise closes the need as contracted.
    _log_in(page, "boshan-ceramics")
    page.goto(f"/workspace/needs/{need.ref}/")
    page.get_by_role("button", name="已签约，关闭需求").click()
    expect(page.locator(".messages")).to_contain_text("需求已关闭")
    expect(page.locator(".card-top").first).to_contain_text("已签约")
    need.refresh_from_db()
    assert (need.status, need.outcome) == ("closed", "contracted")


def test_switching_to_english_shows_the_same_pages_in_english(page, screenshot, people):
    need = _posted_need(people["enterprise"])
    brain = models.Solution.objects.get(title=BRAIN)
    workflow.proposal_submit(actor=people["provider"], need=need, solution=brain, price_quote=120_000, weeks=6)

    _log_in(page, "boshan-ceramics")
    page.goto(f"/workspace/needs/{need.ref}/")
    page.get_by_label("语言").select_option("en")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Solutions matched for you")).to_be_visible()
    first = page.locator(".match-card").first
    expect(first).to_contain_text(BRAIN)
    expect(first.locator(".reason-badges")).to_contain_text("Proven in ceramics; 12 sites in total")
    expect(first.locator(".reason-badges")).to_contain_text("Live in 6 weeks")
    expect(page.get_by_role("button", name="Accept and exchange contacts")).to_be_visible()
    expect(page.locator(".stat-row")).to_contain_text("RMB 150,000")
    expect(page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="My needs")).to_be_visible()
    screenshot("d1-need-english")
    page.locator(".bell").click()
    expect(page.locator(".notification").first).to_contain_text(f"{BRAIN_PROVIDER} proposed for the need “{NEED_TITLE}” at RMB 120,000")
    screenshot("d2-notifications-english")
    _log_out(page)

    _log_in(page, "hzz-sales", "Username", "Password", "Log in")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Leads", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leads")
    expect(page.locator(".lead-card", has_text=NEED_TITLE)).to_contain_text("Proposal sent")
    expect(page.get_by_role("button", name="Filter")).to_be_visible()
    screenshot("d3-leads-english")
