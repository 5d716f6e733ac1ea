"""Sign-up (an enterprise or a provider and the first user who acts for it, in one transaction)
and later changes to the organisation's profile."""
from __future__ import annotations

import uuid

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from marketplace.catalog import models
from marketplace.docking.services import sync

CONTACT_FIELDS = {"contact_name", "contact_phone", "contact_email"}


def _ref(prefix: str) -> str:
    # Imported organisations carry the refs of their files (E0001, P0001); web sign-ups get their own
    # prefix so the two never collide.
    return f"{prefix}-W{uuid.uuid4().hex[:10].upper()}"


def _signup(model: type, prefix: str, role: str, *, username: str, password: str, company_name: str,
            contact_email: str = "", **fields) -> models.User:
    """An organisation (an ``Enterprise`` or a ``Provider``) and its first user, both validated
    before either is written (the caller's transaction undoes the first if the second fails)."""
    organisation = model(ref=_ref(prefix), name=company_name, contact_email=contact_email, **fields)
    organisation.full_clean()
    organisation.save()
    user = models.User(username=username, email=contact_email, **{role: organisation})
    try:
        password_validation.validate_password(password, user)  # AUTH_PASSWORD_VALIDATORS
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def enterprise_signup(
    *,
    username: str,
    password: str,
    company_name: str,
    industry: models.Industry,
    city: models.City,
    county: models.County | None = None,
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
) -> models.User:
    """Create an enterprise and its first user; raises ``ValidationError`` and writes nothing if
    either is invalid (a county of another city, a bad credit code, a taken username)."""
    return _signup(
        models.Enterprise, "E", "enterprise", username=username, password=password, company_name=company_name,
        industry=industry, city=city, county=county, credit_code=credit_code,
        contact_name=contact_name, contact_phone=contact_phone, contact_email=contact_email,
    )  # fmt: skip


@transaction.atomic
def provider_signup(
    *,
    username: str,
    password: str,
    company_name: str,
    city: models.City,
    county: models.County | None = None,
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
) -> models.User:
    """Create a provider (an ordinary one: tiers are granted by administrators) and its first user."""
    return _signup(
        models.Provider, "P", "provider", username=username, password=password, company_name=company_name,
        tier_id="other", city=city, county=county, credit_code=credit_code,
        contact_name=contact_name, contact_phone=contact_phone, contact_email=contact_email,
    )  # fmt: skip


def _locked_for_update(actor: models.User, organisation, contacts: dict, service: str):
    """The organisation, locked, with new contact details set; only its own users or staff may
    change it."""
    model = type(organisation)
    if not (actor.is_staff or getattr(actor, f"{model._meta.model_name}_id") == organisation.pk):
        raise PermissionDenied
    unknown = set(contacts) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"{service}() cannot change {', '.join(sorted(unknown))}")
    organisation = model.objects.select_for_update().get(pk=organisation.pk)
    for name, value in contacts.items():
        setattr(organisation, name, value.strip())
    return organisation


@transaction.atomic
def enterprise_update(
    *,
    actor: models.User,
    enterprise: models.Enterprise,
    industry: models.Industry | None = None,
    city: models.City | None = None,
    county: models.County | None = None,
    **contacts: str,
) -> models.Enterprise:
    """Change an enterprise's industry, place or contact details (its own users or staff).

    A need's industry and place are its enterprise's, so the open needs are matched again
    after the commit when any of them changes."""
    enterprise = _locked_for_update(actor, enterprise, contacts, "enterprise_update")
    before = (enterprise.industry_id, enterprise.city_id, enterprise.county_id)
    if industry is not None:
        enterprise.industry = industry
    if city is not None:
        enterprise.city = city
        enterprise.county = county
    enterprise.full_clean()
    enterprise.save()
    if (enterprise.industry_id, enterprise.city_id, enterprise.county_id) != before:
        sync.needs_saved(enterprise.needs.filter(status=models.Need.Status.OPEN).values_list("pk", flat=True))
    return enterprise


@transaction.atomic
def provider_update(
    *, actor: models.User, provider: models.Provider, lead_capacity: int | None = None, **contacts: str
) -> models.Provider:
    """Change a provider's contact details or monthly lead capacity (its own users or staff)."""
    provider = _locked_for_update(actor, provider, contacts, "provider_update")
    if lead_capacity is not None:
        provider.lead_capacity = lead_capacity
    provider.full_clean()
    provider.save()  # contacts and capacity are not matching facts: nothing for matching to follow
    return provider
