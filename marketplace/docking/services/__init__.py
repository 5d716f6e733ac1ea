"""Every write to the marketplace goes through a function in this package, one module per area;
each write that changes what matching reads schedules ``sync`` after its commit."""
from marketplace.docking.services.accounts import enterprise_signup, enterprise_update, provider_signup, provider_update
from marketplace.docking.services.interchange import catalog_import, needs_import
from marketplace.docking.services.solutions import solution_cases_verify, solution_create, solution_update

__all__ = [
    "catalog_import",
    "enterprise_signup",
    "enterprise_update",
    "needs_import",
    "provider_signup",
    "provider_update",
    "solution_cases_verify",
    "solution_create",
    "solution_update",
]
