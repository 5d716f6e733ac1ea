"""What the workspace pages do: money in 万元 or RMB, nothing lost on a bad submit, the need's
place kept on its enterprise, the docking steps through the pages with their messages, contacts
revealed only after acceptance, the provider's profile and solutions, notifications."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.conf import settings
from django.utils import translation

from marketplace.catalog import models
from marketplace.docking import services
from marketplace.docking.forms.workspace import AMOUNT_INVALID, AMOUNT_TOO_LARGE, from_rmb, to_rmb
from marketplace.docking.services import workflow
from marketplace.docking.templatetags.workspace_ui import reason_badges
from marketplace.docking.views.workspace import COMPARE_COUNT, PROPOSAL_ACCEPTED
from marketplace.docking.models import Lead, Notification, Proposal
from tests.marketplace.test_workspace_pages import workspace  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "unit", "rmb"),
    [("15", "wan", 150_000), ("15", "yuan", 15), ("150,000", "yuan", 150_000), ("12.5", "wan", 125_000),
     ("15万", "yuan", 150_000), ("20w", "wan", 200_000), (" ¥80000 ", "yuan", 80_000)],
)  # fmt: skip
def test_amounts_are_read_in_either_unit(text, unit, rmb):
    assert to_rmb(text, unit) == rmb


@pytest.mark.parametrize("text", ["", "abc", "十五万", "-3", "0", "1e309", "NaN", "0.4"])
def test_unreadable_amounts_are_refused(text):
    with pytest.raises(ValidationError) as error:
        to_rmb(text, "yuan")
    assert error.value.messages[0] in (str(AMOUNT_INVALID), str(AMOUNT_TOO_LARGE))


def test_amounts_are_shown_in_wan_when_whole():
    assert from_rmb(150_000) == ("15", "wan")
    assert from_rmb(125_000) == ("12.5", "wan")
    assert from_rmb(1_234) == ("1234", "yuan")


def test_badges_follow_the_language_and_mark_caveats():
    match = {"reasons": [
        {"code": "within_budget", "params": {}}, {"code": "industry_not_listed", "params": {"industry": "ceramics"}},
        {"code": "serves_province", "params": {}}, {"code": "weeks_to_live", "params": {"weeks": 6}},
    ]}  # fmt: skip

    assert [(b["text"], b["tone"]) for b in reason_badges(match)] == [
        ("报价在预算内", "ok"), ("未列出陶瓷行业", "warn"), ("全省服务", "soft"), ("6周上线", "ok")]
    with translation.override("en"):
        assert [b["text"] for b in reason_badges(match)] == [
            "Priced within budget", "Not listed for ceramics", "Serves the whole province", "Live in 6 weeks"]
        assert reason_badges({"reasons": [{"code": "serves_city", "params": {"city": "淄博市"}}]})[0]["text"] == "Serves Zibo"


def _login(client, username: str) -> models.User:
    user = models.User.objects.get(username=username)
    client.force_login(user)
    return user


NEED_POST = {"title": "釉面缺陷人工检测太慢", "description": "每天靠人眼看釉面针孔和色差，漏检多。", "budget_max": "15",
             "budget_unit": "wan", "timeline_weeks": "8", "industry": "ceramics", "city": "淄博市"}  # fmt: skip


def test_posting_a_need_converts_the_budget_and_a_bad_one_keeps_what_was_typed(client, workspace):
    user = _login(client, "demo-enterprise")
    county = models.County.objects.get(city_id="淄博市", name="博山区")

    bad = client.post("/workspace/needs/new/", {**NEED_POST, "budget_max": "很多", "county": county.pk})
    assert bad.status_code == 200
    body = bad.content.decode()
    assert str(AMOUNT_INVALID) in body and "每天靠人眼看釉面针孔和色差" in body and "釉面缺陷人工检测太慢" in body

    response = client.post("/workspace/needs/new/", {**NEED_POST, "county": county.pk})
    need = models.Need.objects.get(title=NEED_POST["title"])
    assert response.status_code == 302 and response["Location"] == f"/workspace/needs/{need.ref}/"
    assert (need.budget_max, need.timeline_weeks, need.enterprise_id) == (150_000, 8, user.enterprise_id)


def test_a_changed_place_updates_the_enterprise(client, workspace):
    user = _login(client, "demo-enterprise")
    zhoucun = models.County.objects.get(city_id="淄博市", name="周村区")

    client.post("/workspace/needs/new/", {**NEED_POST, "industry": "textile", "county": zhoucun.pk})

    enterprise = models.Enterprise.objects.get(pk=user.enterprise_id)
    assert (enterprise.industry_id, enterprise.county_id) == ("textile", zhoucun.pk)


def test_need_page_shows_explained_matches_and_the_waiting_proposal(client, workspace):
    _login(client, "demo-enterprise")

    body = client.get("/workspace/needs/DEMO-N1/").content.decode()

    assert "窑炉智慧大脑" in body and "reason-badges" in body and "已有陶瓷行业案例，累计落地12家" in body
    assert "接受，交换联系方式" in body
    assert "0533-3586002" not in body  # the provider's phone: not before acceptance


def test_accepting_reveals_contacts_to_both_and_a_second_acceptance_is_a_message(client, workspace):
    enterprise_user = _login(client, "demo-enterprise")
    proposal = Proposal.objects.get(pk=workspace["proposal"])

    page = client.post(f"/workspace/proposals/{proposal.pk}/accept/", follow=True).content.decode()
    assert str(PROPOSAL_ACCEPTED) in page and "0533-3586002" in page

    again = client.post(f"/workspace/proposals/{proposal.pk}/accept/", follow=True)
    assert again.status_code == 200 and str(workflow.PROPOSAL_NOT_PENDING) in again.content.decode()

    client.force_login(models.User.objects.get(username="demo-provider"))
    mine = client.get("/workspace/proposals/").content.decode()
    assert "0533-4188001" in mine and enterprise_user.enterprise.name in mine

    client.force_login(enterprise_user)
    client.post("/workspace/needs/DEMO-N1/close/", {"outcome": "contracted"})
    assert models.Need.objects.get(ref="DEMO-N1").outcome == "contracted"


def test_the_lead_stays_anonymous_and_a_proposal_is_sent_from_its_page(client, workspace):
    provider_user = _login(client, "demo-provider")
    workflow.proposal_withdraw(actor=provider_user, proposal=Proposal.objects.get(pk=workspace["proposal"]))
    lead = Lead.objects.get(pk=workspace["lead"])

    inbox = client.get("/workspace/leads/").content.decode()
    assert lead.need.title in inbox and lead.need.enterprise.name not in inbox and "0533-4188001" not in inbox

    response = client.post(f"/workspace/leads/{lead.pk}/", {
        "solution": workspace["solution"], "price_quote": "9.5", "price_unit": "wan", "weeks": "6", "message": "先试点",
    })  # fmt: skip
    assert response.status_code == 302
    proposal = Proposal.objects.get(need=lead.need, status="submitted")
    assert (proposal.price_quote, proposal.weeks) == (95_000, 6)


def test_lead_filters(client, workspace):
    _login(client, "demo-provider")

    assert "DEMO-N1" not in client.get("/workspace/leads/?budget_min=20万").content.decode()
    page = client.get("/workspace/leads/?city=淄博市&county=博山区&industry=ceramics&budget_max=20万").content.decode()
    assert "窑炉烧成温度靠老师傅看火" in page
    assert "窑炉烧成温度靠老师傅看火" not in client.get("/workspace/leads/?score_min=100").content.decode()


def test_compare_takes_one_to_three(client, workspace):
    _login(client, "demo-enterprise")

    page = client.get("/workspace/needs/DEMO-N1/compare/?solutions=S-KILN&solutions=S-ENERGY").content.decode()
    assert "窑炉智慧大脑" in page and "德佑云智慧能源服务" in page and "compare-table" in page
    too_many = client.get("/workspace/needs/DEMO-N1/compare/?solutions=S-KILN,S-ENERGY,a,b", follow=True)
    assert str(COMPARE_COUNT) in too_many.content.decode()


def test_provider_profile_and_solutions(client, workspace):
    user = _login(client, "demo-provider")

    client.post("/workspace/profile/", {"contact_name": "赵经理", "contact_phone": "0533-1", "contact_email": "", "lead_capacity": "5"})
    user.provider.refresh_from_db()
    assert (user.provider.contact_name, user.provider.lead_capacity) == ("赵经理", 5)

    bad = client.post("/workspace/solutions/new/", {"title": "窑炉气氛监测", "price_min": "10", "price_max": "5", "price_unit": "wan"})
    assert bad.status_code == 200 and "最高报价不能低于最低报价" in bad.content.decode()
    client.post("/workspace/solutions/new/", {
        "title": "窑炉气氛监测", "category": "energy", "description": "窑内氧含量在线监测。", "price_min": "3",
        "price_max": "8", "price_unit": "wan", "deployment_weeks": "4", "delivery_mode": "saas", "industries": ["ceramics"],
        "all_regions": "on", "cases": "2",
    })  # fmt: skip
    solution = models.Solution.objects.get(title="窑炉气氛监测")
    assert (solution.provider_id, solution.price_min, solution.price_max, solution.all_regions) == (user.provider_id, 30_000, 80_000, True)
    assert list(solution.industries.values_list("code", flat=True)) == ["ceramics"]

    client.post(f"/workspace/solutions/{solution.ref}/active/", {"active": "0"})
    solution.refresh_from_db()
    assert not solution.is_active


def test_services_refuse_other_organisations(workspace):
    provider_user = models.User.objects.get(username="demo-provider")
    other = models.Provider.objects.exclude(pk=provider_user.provider_id).first()
    with pytest.raises(Exception):
        services.provider_update(actor=provider_user, provider=other, lead_capacity=1)
    with pytest.raises(Exception):
        services.solution_update(actor=provider_user, solution=other.solutions.first(), is_active=False)


def test_notifications_bell_counts_and_mark_all_read(client, workspace):
    user = _login(client, "demo-enterprise")
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    assert unread >= 1

    assert f'data-unread-count>{unread}<' in client.get("/").content.decode().replace("\n", "")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "proposed for the need" in client.get("/notifications/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert "data-unread-count" not in client.get("/").content.decode()


def test_seed_demo_again_resets_the_demo_need_and_keeps_its_lead(workspace, run_command):
    assert run_command("seed_demo").returncode == 0

    need = models.Need.objects.get(ref="DEMO-N1")
    assert (need.status, need.proposals.count()) == ("open", 0)
    assert Lead.objects.filter(need=need, provider__users__username="demo-provider").exists()
    assert models.Enterprise.objects.get(users__username="demo-enterprise").contact_phone
    assert models.Provider.objects.get(users__username="demo-provider").contact_phone


def test_a_lead_notification_names_the_place_in_the_readers_language():
    from marketplace.docking.services.notifications import notification_text

    user = models.User.objects.create(username="reader")
    params = {"need_ref": "N-1", "need_title": "窑炉节能", "city": "淄博市", "county": "博山区", "budget": "150,000", "score": "0.80"}
    notification = Notification(user=user, kind=Notification.Kind.NEW_LEAD, params=params)

    assert "（淄博市博山区，" in notification_text(notification)
    with translation.override("en"):
        assert "(Boshan District, Zibo," in notification_text(notification)
        notification.params = {**params, "county": None}
        assert "(Zibo," in notification_text(notification)


@pytest.mark.parametrize(
    ("language", "threshold", "fold", "reason"),
    [
        ("zh-hans", 0.5, "更多选择", "这些方案完全对口的可能性不到 50%"),
        ("en", 0.5, "More options", "less than 50% likely to fit your need fully"),
        ("zh-hans", 0.35, "更多选择", "这些方案完全对口的可能性不到 35%"),
        ("en", 0.35, "More options", "less than 35% likely to fit your need fully"),
    ],
)
def test_need_page_folds_the_weak_tail_with_its_reason(client, workspace, monkeypatch, language, threshold, fold, reason):
    from matching import services as matching_services
    from matching.calibration import Calibration
    from matching.models import Match

    stored = list(Match.objects.filter(need__ref="DEMO-N1").order_by("rank").select_related("solution"))
    assert len(stored) >= 2 and stored[0].score > stored[1].score
    cut = (stored[0].score + stored[1].score) / 2  # only the best match is strong
    # the reason names the calibration's threshold, whatever it is
    monkeypatch.setattr(matching_services, "calibration", lambda: Calibration((0.0, cut), (0.2, 0.8), threshold))
    _login(client, "demo-enterprise")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    body = client.get("/workspace/needs/DEMO-N1/").content.decode()

    shown, folded = body.split('data-matches="more"')
    assert stored[0].solution.title in shown and "80%" in shown
    assert fold in folded and reason in folded
    assert all(m.solution.title in folded and m.solution.title not in shown for m in stored[1:])
    assert "20%" in folded
