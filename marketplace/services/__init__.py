"""Every write to the marketplace goes through a function in this package, one module per area."""
from marketplace.services.accounts import enterprise_signup, enterprise_update, provider_signup, provider_update
from marketplace.services.catalog import solution_create, solution_update
from marketplace.services.interchange import catalog_export, catalog_import, needs_export, needs_import

__all__ = [
    "catalog_export",
    "catalog_import",
    "enterprise_signup",
    "enterprise_update",
    "needs_export",
    "needs_import",
    "provider_signup",
    "provider_update",
    "solution_create",
    "solution_update",
]
