"""The enterprise and provider workspaces and the notifications, for every kind of visitor, in both
languages, with garbage query strings and bad POSTs: no 500, no template variable that failed to
resolve, no English UI words in Chinese, and the log-in link or the user menu in English."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core.management import call_command

from marketplace.catalog import models
from marketplace.docking.services import workflow
from marketplace.docking.models import Lead, Notification, Proposal
from tests.marketplace.pages import english_words, visible_text
from tests.marketplace.test_pages import LANGUAGES, VISITORS, get

pytestmark = pytest.mark.django_db

PAGES = [
    "/workspace/needs/",
    "/workspace/needs/?page=abc",
    "/workspace/needs/new/",
    "/workspace/needs/new/?city=火星市&industry=<b>",
    "/workspace/needs/DEMO-N1/",
    "/workspace/needs/DEMO-N1/?over_budget=1",
    "/workspace/needs/DEMO-N1/?over_budget=<script>&page=-1",
    "/workspace/needs/N-1/",  # another enterprise's need
    "/workspace/needs/不存在/",
    "/workspace/needs/DEMO-N1/edit/",
    "/workspace/needs/DEMO-N1/compare/?solutions=S-KILN,S-ENERGY",
    "/workspace/needs/DEMO-N1/compare/?solutions=S-KILN&solutions=S-ENERGY&solutions=x&solutions=y",
    "/workspace/needs/DEMO-N1/compare/?solutions=",
    "/workspace/needs/DEMO-N1/compare/?solutions=%00,S-KILN",
    "/workspace/leads/",
    "/workspace/leads/?city=淄博市&county=博山区&industry=ceramics&budget_min=5万&budget_max=20万&score_min=10",
    "/workspace/leads/?city=火星市&county=<b>&industry=x&budget_min=abc&budget_max=1e309&score_min=-5&page=999",
    "/workspace/leads/?score_min=NaN&budget_min=%00&county=博山区",
    "/workspace/leads/{lead}/",
    "/workspace/leads/999999/",
    "/workspace/proposals/",
    "/workspace/proposals/?status=bogus&page=0",
    "/workspace/proposals/?status=submitted",
    "/workspace/profile/",
    "/workspace/solutions/",
    "/workspace/solutions/?page=999",
    "/workspace/solutions/new/",
    "/workspace/solutions/S-KILN/edit/",
    "/workspace/solutions/S-ENERGY/edit/",  # another provider's
    "/notifications/",
    "/notifications/?unread=1&page=abc",
]

BAD_POSTS = [
    ("/workspace/needs/new/", {}),
    ("/workspace/needs/new/", {"title": "窑炉", "description": "看火", "budget_max": "abc", "budget_unit": "wan",
                               "timeline_weeks": "-3", "industry": "nope", "city": "火星市", "county": "99999"}),
    ("/workspace/needs/new/", {"title": "窑炉", "description": "看火", "budget_max": "1e12", "budget_unit": "bogus",
                               "industry": "ceramics", "city": "淄博市", "county": "1"}),
    ("/workspace/needs/DEMO-N1/edit/", {"title": "", "budget_max": "-1"}),
    ("/workspace/needs/DEMO-N1/close/", {"outcome": "bogus"}),
    ("/workspace/needs/DEMO-N1/close/", {"outcome": "contracted"}),  # nothing accepted yet: a message
    ("/workspace/needs/N-1/close/", {"outcome": "not_contracted"}),
    ("/workspace/proposals/999999/accept/", {}),
    ("/workspace/proposals/{proposal}/withdraw/", {"next": "http://evil.example/"}),  # enterprise/staff: refused
    ("/workspace/leads/{lead}/", {"solution": "999999", "price_quote": "abc", "price_unit": "wan", "weeks": "-1", "message": "x" * 3000}),
    ("/workspace/leads/{lead}/", {"solution": "{other_solution}", "price_quote": "12", "price_unit": "wan", "weeks": "6"}),
    ("/workspace/leads/{lead}/", {"solution": "{solution}", "price_quote": "12", "price_unit": "wan", "weeks": "6"}),  # already proposed
    ("/workspace/profile/", {"contact_name": "", "contact_email": "not-an-email", "lead_capacity": "-1"}),
    ("/workspace/solutions/new/", {"title": "x", "price_min": "30", "price_max": "10", "price_unit": "wan",
                                   "deployment_weeks": "999", "category": "nope", "industries": ["x"]}),
    ("/workspace/solutions/S-ENERGY/active/", {"active": "0"}),
    ("/workspace/solutions/S-KILN/edit/", {}),
    ("/notifications/999999/read/", {}),
    ("/notifications/{notification}/read/", {"go": "http://evil.example/"}),
]


@pytest.fixture
def workspace(seeded_catalog, run_command) -> dict[str, str]:
    """The small catalog, the demo accounts and their need, matched (hashing embedder) and offered
    as leads, with one proposal from the demo provider waiting for an answer."""
    call_command("seed_demo", verbosity=0)
    assert run_command("build_index").returncode == 0
    need = models.Need.objects.get(ref="DEMO-N1")
    provider_user = models.User.objects.get(username="demo-provider")
    lead = Lead.objects.get(need=need, provider=provider_user.provider)
    kiln = models.Solution.objects.get(ref="S-KILN")
    proposal = workflow.proposal_submit(actor=provider_user, need=need, solution=kiln, price_quote=120_000, weeks=6, message="可先试点一条窑")
    notification = Notification.objects.filter(user__username="demo-enterprise").first()
    return {
        "lead": str(lead.pk),
        "proposal": str(proposal.pk),
        "solution": str(kiln.pk),
        "other_solution": str(models.Solution.objects.get(ref="S-ENERGY").pk),
        "notification": str(notification.pk),
    }


@pytest.fixture
def allowed(workspace) -> set[str]:
    """Latin-letter words a Chinese page may show: acronyms in reference names, and English."""
    words = {"English"}
    for model in (models.Category, models.Industry, models.Tier, models.DeliveryMode, models.SpecializedLevel):
        for name in model.objects.values_list("name_zh", flat=True):
            words.update(re.findall(r"[A-Za-z]{2,}", name))
    return words


def _fill(text: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m[1]], text)


def _check(response, url: str, language: str, allowed: set[str], typed: str = "") -> None:
    body = response.content.decode()
    assert response.status_code < 500, url
    assert settings.TEMPLATE_INVALID_MARKER not in body, (url, re.findall(r"TEMPLATE-VARIABLE-MISSING\[[^\]]*\]", body))
    if response.status_code in (301, 302, 405):
        return
    assert response["Content-Language"] == language, url
    if language == "zh-hans":
        typed_words = set(re.findall(r"[A-Za-z]{2,}", unquote(url.partition("?")[2]) + typed))  # errors quote it
        assert english_words(body, allowed | typed_words) == [], url
    else:
        assert "Log out" in body or "Log in" in body, url


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("visitor", VISITORS)
def test_every_workspace_page_renders(client, workspace, allowed, visitor, language):
    for url in PAGES:
        url = _fill(url, workspace)
        _check(get(client, url, visitor, language), url, language, allowed)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("visitor", VISITORS)
def test_bad_posts_never_fail(client, workspace, allowed, visitor, language):
    for url, data in BAD_POSTS:
        url = _fill(url, workspace)
        data = {key: _fill(value, workspace) if isinstance(value, str) else value for key, value in data.items()}
        get(client, "/", visitor, language)
        response = client.post(url, data, follow=True)
        _check(response, url, language, allowed, typed=" ".join(map(str, data.values())))
        assert "evil.example" not in response.request["PATH_INFO"]
    expected = "withdrawn" if visitor == "demo-provider" else "submitted"  # its own, withdrawn; the bad next ignored
    assert Proposal.objects.get(pk=workspace["proposal"]).status == expected
    assert models.Need.objects.get(ref="DEMO-N1").status == models.Need.Status.OPEN


@pytest.mark.parametrize("url", ["/workspace/needs/", "/workspace/leads/", "/notifications/"])
def test_anonymous_visitors_are_sent_to_log_in(client, workspace, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_other_role_is_told_why(client, workspace):
    client.force_login(models.User.objects.get(username="demo-provider"))
    response = client.get("/workspace/needs/")

    assert response.status_code == 403
    assert "这个页面供企业用户使用" in response.content.decode()


def _place_names() -> dict[str, str]:
    """Every Chinese city and county name (with and without 市) -> its English name."""
    names = {}
    for city in models.City.objects.all():
        names[city.name] = names[city.name.removesuffix("市")] = city.name_en
    for county in models.County.objects.all():
        names[county.name] = county.name_en
    return names


def _written_by_users() -> list[str]:
    """Names and titles as their owners wrote them (淄博海智造科技有限公司), longest first."""
    written = [*models.Provider.objects.values_list("name", flat=True), *models.Enterprise.objects.values_list("name", flat=True),
               *models.Solution.objects.values_list("title", flat=True), *models.Need.objects.values_list("title", flat=True)]  # fmt: skip
    return sorted(set(written), key=len, reverse=True)


ENGLISH_PLACE_PAGES = [
    ("demo-enterprise", "/workspace/needs/DEMO-N1/"),
    ("demo-enterprise", "/workspace/needs/DEMO-N1/compare/?solutions=S-KILN,S-ENERGY"),
    ("demo-provider", "/workspace/leads/"),
    ("demo-provider", "/workspace/leads/{lead}/"),
    (None, "/solutions/S-KILN/"),
    (None, "/solutions/?city=淄博市"),
]


@pytest.mark.parametrize(("visitor", "url"), ENGLISH_PLACE_PAGES)
def test_english_pages_name_places_in_english(client, workspace, visitor, url):
    """Reasons, badges, place lines and pickers: no Chinese city or county name outside what users
    wrote (a need's description, a company's name)."""
    url = _fill(url, workspace)
    text = visible_text(get(client, url, visitor, "en").content.decode())
    for written in _written_by_users():
        text = text.replace(written, " ")
    names = _place_names()

    assert [name for name in names if name in text] == [], url
    assert any(english in text for english in ("Zibo", "Boshan District")), url  # places are named, in English


def test_the_place_check_can_fail():
    page = '<ul class="reason-badges"><li>Serves 淄博市</li></ul><p data-user-text>淄博海智造</p>'
    assert "淄博市" in visible_text(page) and "海智造" not in visible_text(page)
