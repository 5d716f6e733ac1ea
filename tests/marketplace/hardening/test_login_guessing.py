"""Finding 1: passwords could be guessed without limit (130 wrong passwords on the token
endpoint, then the right one got a token; 40 failures on the log-in page, then success), and
sign-up accepted ``12345678`` and user ``password`` with password ``password``."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework import throttling

from marketplace.catalog import models
from marketplace.docking import services
from marketplace.catalog.lockout import locked_message
from tests.marketplace.factories import UserFactory
from tests.marketplace.test_accounts import ENTERPRISE_FORM

pytestmark = pytest.mark.django_db

RIGHT, WRONG = "pass-12345", "wrong-guess"


@pytest.fixture
def user():
    return UserFactory(username="kiln-owner")


def _token(client: Client, password: str, username: str = "kiln-owner", **extra):
    return client.post("/api/auth/token/", {"username": username, "password": password}, **extra)


def test_the_token_endpoint_locks_a_user_out_then_refuses_the_right_password(user):
    client = Client()
    statuses = [_token(client, WRONG).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]

    right = _token(client, RIGHT)
    english = _token(client, RIGHT, HTTP_ACCEPT_LANGUAGE="en")

    assert statuses == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert right.status_code == 429 and "token" not in right.json()
    assert right.json() == {"detail": "登录失败次数过多，已暂时锁定，请 15 分钟后再试"}
    assert english.json() == {"detail": "Too many failed log-ins: locked for 15 minutes, try again later."}


def test_the_lockout_is_per_user_name_from_any_address(user):
    for number in range(settings.AXES_FAILURE_LIMIT):
        _token(Client(REMOTE_ADDR=f"10.0.0.{number}"), WRONG)

    assert _token(Client(REMOTE_ADDR="10.9.9.9"), RIGHT).status_code == 429


def test_the_lockout_is_per_address_for_any_user_name(user):
    client = Client(REMOTE_ADDR="10.1.1.1")
    for number in range(settings.AXES_FAILURE_LIMIT):
        _token(client, WRONG, username=f"guess-{number}")

    assert _token(client, RIGHT).status_code == 429
    assert _token(Client(REMOTE_ADDR="10.2.2.2"), RIGHT).status_code == 200  # the user is not locked


def test_the_login_page_locks_out_with_a_message_in_the_form(user):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", {"username": "kiln-owner", "password": WRONG}).status_code == 200
    client.post("/accounts/login/", {"username": "kiln-owner", "password": WRONG})

    response = client.post("/accounts/login/", {"username": "kiln-owner", "password": RIGHT})

    assert response.status_code == 429
    assert locked_message() in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(user):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _token(client, WRONG)
    assert _token(client, RIGHT).status_code == 200

    assert [_token(client, WRONG).status_code for _ in range(3)] == [400, 400, 400]


def test_the_token_endpoint_is_throttled_per_address(user, monkeypatch):
    cache.clear()
    rates = {"anon": "1000/minute", "user": "1000/minute", "search": "1000/minute", "login": "3/minute"}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)
    try:
        statuses = [_token(Client(), RIGHT).status_code for _ in range(4)]
    finally:
        cache.clear()

    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize(("username", "password"), [("boshan-new", "12345678"), ("password", "password")])
def test_sign_up_refuses_weak_passwords(client, username, password):
    form = {**ENTERPRISE_FORM, "username": username, "password1": password, "password2": password}

    response = client.post("/accounts/signup/enterprise/", form)

    assert response.status_code == 200
    assert not models.User.objects.filter(username=username).exists()
    errors = response.context["form"].errors["password1"]
    assert any("常见" in error or "太常见" in error or "纯数字" in error or "相似" in error for error in errors), errors


def test_the_sign_up_service_refuses_a_weak_password_too():
    with pytest.raises(ValidationError) as error:
        services.provider_signup(username="password", password="password", company_name="x",
                                 city=models.City.objects.get(name="淄博市"))  # fmt: skip

    assert "password" in error.value.message_dict
    assert not models.User.objects.filter(username="password").exists()


def test_the_demo_password_is_still_valid():
    from django.contrib.auth.password_validation import validate_password

    for username in ("demo-admin", "demo-enterprise", "demo-provider"):
        validate_password("demo-pass-2026", models.User(username=username))
