"""Property-based run of the whole API against its own OpenAPI document (schemathesis): whatever
the generated input, no server error, no status the document does not list, and no response
that breaks the documented schema.

Each operation is called as the role that may use it (anonymous for the public catalog and the
token, an enterprise for its needs, a provider for its leads and solutions, staff only for the
staff endpoints), so the generated data reaches the views instead of stopping at a 403. Bounded
by ``SCHEMATHESIS_MAX_EXAMPLES`` (per operation)."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token

from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
# Who may call each operation: the first rule whose method and path prefix match (specific first).
ROLE_RULES = [
    ("POST", "/api/auth/token/", "anonymous"),
    ("GET", "/api/solutions/", "anonymous"),
    ("GET", "/api/providers/", "anonymous"),
    ("*", "/api/solutions/", "provider_x"),
    ("*", "/api/providers/", "provider_x"),
    ("*", "/api/needs/", "enterprise_a"),
    ("*", "/api/leads/", "provider_x"),
    ("POST", "/api/proposals/{id}/accept/", "enterprise_a"),
    ("POST", "/api/proposals/{id}/decline/", "enterprise_a"),
    ("POST", "/api/proposals/{id}/withdraw/", "provider_x"),
    ("POST", "/api/proposals/", "provider_y"),  # Y holds the lead on B's need
    ("GET", "/api/proposals/{id}/", "enterprise_a"),
    ("GET", "/api/proposals/", "provider_x"),
    ("*", "/api/notifications/", "enterprise_a"),
    ("*", "/api/match-labels/", "staff"),
    ("*", "/api/metrics/", "staff"),
]


def role_for(method: str, path: str) -> str:
    for rule_method, prefix, role in ROLE_RULES:
        if rule_method in ("*", method) and path.startswith(prefix):
            return role
    raise AssertionError(f"no role for {method} {path}: add it to ROLE_RULES")


def test_every_operation_has_its_role(api_schema):
    roles = {(op.ok().method.upper(), op.ok().path): role_for(op.ok().method.upper(), op.ok().path)
             for op in api_schema.get_all_operations()}  # fmt: skip

    staff = sorted(path for (_method, path), role in roles.items() if role == "staff")
    assert staff == ["/api/match-labels/", "/api/match-labels/", "/api/metrics/"]
    assert roles[("GET", "/api/solutions/")] == "anonymous"
    assert roles[("POST", "/api/proposals/{id}/withdraw/")] == "provider_x"
    assert roles[("GET", "/api/proposals/")] == "provider_x"


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
        role = role_for(operation.method.upper(), operation.path)
        headers = {} if role == "anonymous" else {"Authorization": f"Token {tokens[role]}"}

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def check(case):
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
            )

        check()
