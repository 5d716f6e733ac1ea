"""Sign-up (an enterprise or a provider and the first user who acts for it, in one transaction)
and later changes to the organisation's profile."""
from __future__ import annotations

import uuid

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from marketplace import models, signals

CONTACT_FIELDS = {"contact_name", "contact_phone", "contact_email"}


def _ref(prefix: str) -> str:
    # Imported organisations carry the refs of their files (E0001, P0001); web sign-ups get their own
    # prefix so the two never collide.
    return f"{prefix}-W{uuid.uuid4().hex[:10].upper()}"


def _user_create(*, username: str, password: str, email: str, **organisation) -> models.User:
    user = models.User(username=username, email=email, **organisation)
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
    enterprise = models.Enterprise(
        ref=_ref("E"),
        name=company_name,
        credit_code=credit_code,
        industry=industry,
        city=city,
        county=county,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
    )
    enterprise.full_clean()
    enterprise.save()
    return _user_create(username=username, password=password, email=contact_email, enterprise=enterprise)


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
    provider = models.Provider(
        ref=_ref("P"),
        name=company_name,
        credit_code=credit_code,
        city=city,
        county=county,
        tier_id="other",
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
    )
    provider.full_clean()
    provider.save()
    return _user_create(username=username, password=password, email=contact_email, provider=provider)


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
    if not (actor.is_staff or actor.enterprise_id == enterprise.pk):
        raise PermissionDenied
    unknown = set(contacts) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"enterprise_update() cannot change {', '.join(sorted(unknown))}")
    enterprise = models.Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    before = (enterprise.industry_id, enterprise.city_id, enterprise.county_id)
    if industry is not None:
        enterprise.industry = industry
    if city is not None:
        enterprise.city = city
        enterprise.county = county
    for name, value in contacts.items():
        setattr(enterprise, name, value.strip())
    enterprise.full_clean()
    enterprise.save()
    if (enterprise.industry_id, enterprise.city_id, enterprise.county_id) != before:
        open_ids = list(enterprise.needs.filter(status=models.Need.Status.OPEN).values_list("pk", flat=True))
        if open_ids:
            transaction.on_commit(lambda: signals.needs_changed.send(sender=models.Need, ids=open_ids))
    return enterprise



@transaction.atomic
def provider_update(
    *, actor: models.User, provider: models.Provider, lead_capacity: int | None = None, **contacts: str
) -> models.Provider:
    """Change a provider's contact details or monthly lead capacity (its own users or staff)."""
    if not (actor.is_staff or actor.provider_id == provider.pk):
        raise PermissionDenied
    unknown = set(contacts) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"provider_update() cannot change {', '.join(sorted(unknown))}")
    provider = models.Provider.objects.select_for_update().get(pk=provider.pk)
    for name, value in contacts.items():
        setattr(provider, name, value.strip())
    if lead_capacity is not None:
        provider.lead_capacity = lead_capacity
    provider.full_clean()
    # Contacts and capacity are not matching facts: an update() rather than save() keeps the
    # provider's solutions from being re-indexed for nothing (see receivers.provider_written).
    provider.updated_at = timezone.now()
    fields = [*sorted(CONTACT_FIELDS), "lead_capacity", "updated_at"]
    models.Provider.objects.filter(pk=provider.pk).update(**{name: getattr(provider, name) for name in fields})
    return provider
