"""Every page, for every kind of visitor, in both languages, with good and garbage query strings:
no 500, no template variable that failed to resolve, and no English UI words in Chinese."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core.management import call_command

from marketplace.catalog import models
from tests.marketplace.pages import english_words, visible_text

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/?q=<script>alert(1)</script>",
    "/solutions/",
    "/solutions/?q=窑炉&category=digital_twin&industry=ceramics&city=淄博市&county=张店区&tier=provincial"
    "&price_max=20万&deployment_weeks_max=8&delivery_mode=hybrid",
    "/solutions/?price_max=abc&page=999&county=不存在",
    "/solutions/?category=blockchain&industry=<b>&city=火星市&tier=x&delivery_mode=fax&deployment_weeks_max=-1&page=-3",
    "/solutions/?page=abc&price_max=1e309&q=" + "窑" * 300,
    "/solutions/?city=&county=博山区&price_max=%E2%80%AE",
    "/solutions/S-KILN/",
    "/solutions/S-ENERGY/",
    "/solutions/不存在/",
    "/providers/",
    "/providers/?q=海智造&page=999",
    "/providers/?page=0&q=%00",
    "/providers/P-HZZ/",
    "/providers/P-DY/",
    "/providers/nope/",
    "/accounts/login/",
    "/accounts/login/?next=http://evil.example/",
    "/accounts/signup/",
    "/accounts/signup/enterprise/",
    "/accounts/signup/enterprise/?city=淄博市",
    "/accounts/signup/provider/",
    "/no-such-page/",
]
# The administrator's pages: staff see them, others get the log-in page or a 403 page.
PAGES += [
    "/staff/", "/staff/review/", "/staff/review/?skip=-1&x=<b>", "/staff/weights/", "/staff/clusters/",
    "/staff/clusters/?city=淄博市", "/staff/clusters/?city=火星市&page=abc", "/staff/clusters/?city=%00",
]  # fmt: skip
VISITORS = [None, "demo-admin", "demo-enterprise", "demo-provider"]
LANGUAGES = ["zh-hans", "en"]


@pytest.fixture
def site(seeded_catalog) -> set[str]:
    """The small catalog, the demo accounts, and the words a Chinese page may show in Latin letters."""
    call_command("seed_demo", verbosity=0)
    allowed = {"English"}  # the language switch names English in English
    allowed |= {"nDCG", "MRR", "CSV"}  # the staff pages' ranking metrics (named as in the literature) and export
    for model in (models.Category, models.Industry, models.Tier, models.DeliveryMode, models.SpecializedLevel):
        for name in model.objects.values_list("name_zh", flat=True):
            allowed.update(re.findall(r"[A-Za-z]{2,}", name))
    return allowed


def get(client, url: str, visitor: str | None, language: str):
    if visitor:
        client.force_login(models.User.objects.get(username=visitor))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("visitor", VISITORS)
def test_every_page_renders(client, site, visitor, language):
    for url in PAGES:
        response = get(client, url, visitor, language)
        body = response.content.decode()

        assert response.status_code < 500, url
        assert settings.TEMPLATE_INVALID_MARKER not in body, (url, re.findall(r"TEMPLATE-VARIABLE-MISSING\[[^\]]*\]", body))
        if response.status_code in (301, 302):
            continue
        assert response["Content-Language"] == language, url
        if language == "zh-hans":
            typed = set(re.findall(r"[A-Za-z]{2,}", unquote(url.partition("?")[2])))  # error messages quote it
            assert english_words(body, site | typed) == [], url
        else:
            assert "Log out" in body or "Log in" in body, url


def test_the_english_check_can_fail(site):
    page = '<html><body><p>共 3 个方案</p><a href="/">Next</a><input placeholder="e.g. kiln"></body></html>'

    assert english_words(page, site) == ["Next", "kiln"]


def test_the_english_check_skips_what_users_wrote_scripts_and_codes(site):
    page = (
        '<p data-user-text>Smart energy <b>cloud</b></p><script>var x = "hello";</script>'
        '<p>统一社会信用代码 91370300MA3C0E2N1X · 生产管控(MES) · SaaS订阅</p><select><option>English</option></select>'
    )

    assert english_words(page, site) == []
    assert "生产管控(MES)" in visible_text(page)


@pytest.mark.parametrize("url", [url for url in PAGES if not any(m in url for m in ("不存在/", "nope", "no-such", "%00"))])
def test_the_language_switch_works_on_every_page(client, site, url):
    response = client.post("/i18n/setlang/", {"language": "en", "next": url}, follow=True)

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert 'name="next" value="' in response.content.decode()

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": url}, follow=True)
    assert response["Content-Language"] == "zh-hans"
