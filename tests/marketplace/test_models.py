import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from marketplace.catalog import models
from tests.marketplace.factories import EnterpriseFactory, NeedFactory, ProviderFactory, SolutionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_database_rejects_price_min_above_price_max():
    with pytest.raises(IntegrityError):
        SolutionFactory(price_min=200_000, price_max=100_000)


def test_database_rejects_zero_budget():
    with pytest.raises(IntegrityError):
        NeedFactory(budget_max=0)


def test_user_cannot_belong_to_an_enterprise_and_a_provider():
    with pytest.raises(IntegrityError):
        UserFactory(enterprise=EnterpriseFactory(), provider=ProviderFactory())


def test_county_must_belong_to_the_city():
    provider = ProviderFactory.build(city_id="淄博市", county=models.County.objects.get(city_id="济南市", name="历下区"))

    with pytest.raises(ValidationError) as error:
        provider.full_clean()

    assert error.value.message_dict["county"] == ["历下区 不属于 淄博市"]


def test_credit_code_is_validated_by_the_model():
    provider = ProviderFactory.build(credit_code="91350100M000100Y44")

    with pytest.raises(ValidationError) as error:
        provider.full_clean()

    assert "credit_code" in error.value.message_dict


def test_roles():
    assert UserFactory(enterprise=EnterpriseFactory()).role == "enterprise"
    assert UserFactory(provider=ProviderFactory()).role == "provider"
    assert UserFactory(is_staff=True).role == "staff"


def test_codes_display_by_active_language():
    from django.utils import translation

    category = models.Category.objects.get(code="energy")
    with translation.override("zh-hans"):
        assert str(category) == "能源管理与节能降碳"
    with translation.override("en"):
        assert str(category) == "Energy management and carbon reduction"
