"""Property-based run of the whole API against its own OpenAPI document (schemathesis): whatever
the generated input, no server error and no response that breaks the documented schema.

Each operation is called as the role that may use it, so the generated data reaches the views
instead of stopping at a 403. Bounded by ``SCHEMATHESIS_MAX_EXAMPLES`` (per operation)."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token

from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
ROLE_FOR = {
    ("POST", "/api/needs/"): "enterprise_a",
    ("POST", "/api/proposals/"): "provider_y",
    ("GET", "/api/notifications/"): "enterprise_a",  # staff has none to show
}


@pytest.fixture
def api_schema(db):
    """The schema, called in-process through the WSGI app. Like Django's test client, keep the
    request signals from closing the test's database connection (and its transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_conforms_to_its_schema(api_schema, world):
    tokens = {role: Token.objects.get_or_create(user=user)[0].key for role, user in world.users.items()}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:
        role = ROLE_FOR.get((operation.method.upper(), operation.path), "staff")

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def check(case):
            case.call_and_validate(
                headers={"Authorization": f"Token {tokens[role]}"},
                checks=[not_a_server_error, response_schema_conformance],
            )

        check()
