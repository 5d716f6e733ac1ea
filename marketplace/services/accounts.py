"""Sign-up: an enterprise or a provider and the first user who acts for it, in one transaction."""
from __future__ import annotations

import uuid

from django.db import transaction

from marketplace import models


def _ref(prefix: str) -> str:
    # Imported organisations carry the refs of their files (E0001, P0001); web sign-ups get their own
    # prefix so the two never collide.
    return f"{prefix}-W{uuid.uuid4().hex[:10].upper()}"


def _user_create(*, username: str, password: str, email: str, **organisation) -> models.User:
    user = models.User(username=username, email=email, **organisation)
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
