"""Every write to the marketplace goes through a function in this package, one module per area."""
from marketplace.services.interchange import catalog_export, catalog_import, needs_export, needs_import

__all__ = ["catalog_export", "catalog_import", "needs_export", "needs_import"]
