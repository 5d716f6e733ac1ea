"""Sign-up (services and pages), log in and out."""
import pytest
from django.core.exceptions import ValidationError

from marketplace.catalog import forms
from marketplace.catalog import models
from marketplace.docking import services

pytestmark = pytest.mark.django_db

ENTERPRISE_FORM = {
    "company_name": "淄博博山琉璃工艺有限公司", "credit_code": "", "industry": "ceramics", "city": "淄博市",
    "contact_name": "王经理", "contact_phone": "0533-4180000", "contact_email": "wang@example.com",
    "username": "boshan-glass", "password1": "kiln-pass-2026", "password2": "kiln-pass-2026",
}  # fmt: skip


def county(city: str, name: str) -> models.County:
    return models.County.objects.get(city_id=city, name=name)


def test_enterprise_signup_creates_the_enterprise_and_its_user():
    user = services.enterprise_signup(
        username="boshan", password="kiln-pass-2026", company_name="博山琉璃", industry=models.Industry.objects.get(code="ceramics"),
        city=models.City.objects.get(name="淄博市"), county=county("淄博市", "博山区"), contact_name="王", contact_phone="1",
    )  # fmt: skip

    user.refresh_from_db()
    assert user.role == "enterprise"
    assert user.check_password("kiln-pass-2026")
    assert (user.enterprise.name, user.enterprise.county.name) == ("博山琉璃", "博山区")
    assert user.enterprise.ref.startswith("E-W")


def test_enterprise_signup_writes_nothing_when_the_county_is_of_another_city():
    with pytest.raises(ValidationError) as error:
        services.enterprise_signup(
            username="x", password="kiln-pass-2026", company_name="x", industry=models.Industry.objects.get(code="ceramics"),
            city=models.City.objects.get(name="淄博市"), county=county("青岛市", "黄岛区"),
        )  # fmt: skip

    assert "county" in error.value.message_dict
    assert not models.Enterprise.objects.exists() and not models.User.objects.exists()


def test_a_taken_username_rolls_back_the_organisation():
    models.User.objects.create_user(username="taken", password="x")

    with pytest.raises(ValidationError):
        services.provider_signup(username="taken", password="kiln-pass-2026", company_name="y", city=models.City.objects.get(name="淄博市"))

    assert not models.Provider.objects.exists()


def test_provider_signup_makes_an_ordinary_provider():
    user = services.provider_signup(
        username="hzz", password="kiln-pass-2026", company_name="海智造", city=models.City.objects.get(name="淄博市"),
        credit_code="91350100M000100Y43",
    )  # fmt: skip

    assert user.role == "provider"
    assert user.provider.tier_id == "other"
    assert user.provider.credit_code == "91350100M000100Y43"


def test_signing_up_on_the_page_logs_in_and_lands_home(client):
    data = {**ENTERPRISE_FORM, "county": county("淄博市", "博山区").pk}

    response = client.post("/accounts/signup/enterprise/", data, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"].username == "boshan-glass"
    assert "注册成功" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"county": "青岛市:黄岛区"}, "county", forms.COUNTY_NOT_IN_CITY),
        ({"password2": "other-pass-2026"}, "password2", forms.PASSWORDS_DIFFER),
        ({"credit_code": "12345"}, "credit_code", forms.CREDIT_CODE_LENGTH),
        ({"credit_code": "91350100M000100Y44"}, "credit_code", forms.CREDIT_CODE_CHECK),
        ({"username": "demo"}, "username", forms.USERNAME_TAKEN),
    ],
)
def test_field_errors_are_shown_and_nothing_is_written(client, changes, field, message):
    models.User.objects.create_user(username="demo", password="x")
    if changes.get("county"):
        city, name = changes["county"].split(":")
        changes = {**changes, "county": county(city, name).pk}
    response = client.post("/accounts/signup/enterprise/", {**ENTERPRISE_FORM, **changes})

    assert response.status_code == 200
    assert str(message) in response.context["form"].errors[field]
    assert str(message) in response.content.decode()
    assert not models.Enterprise.objects.exists()


def test_provider_signup_page_lands_on_the_provider_page(client):
    data = {**ENTERPRISE_FORM, "username": "hzz", "company_name": "海智造"}

    response = client.post("/accounts/signup/provider/", data)

    provider = models.Provider.objects.get(name="海智造")
    assert response["Location"] == f"/providers/{provider.ref}/"


def test_log_in_and_out(client, seeded_catalog):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)

    response = client.post("/accounts/login/", {"username": "demo-enterprise", "password": "demo-pass-2026"})
    assert response["Location"] == "/"
    assert "企业用户" in client.get("/").content.decode()

    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "demo-provider", "password": "demo-pass-2026"})
    assert response["Location"] == "/providers/P-HZZ/"

    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "demo-provider", "password": "wrong"})
    assert response.status_code == 200
    assert 'class="alert alert-error"' in response.content.decode()
