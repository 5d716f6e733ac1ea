"""The API tests' two-tenant world, for the hardening tests too."""
from tests.marketplace.api.conftest import world  # noqa: F401
