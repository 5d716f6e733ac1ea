from marketplace.catalog.management.commands._interchange import ExportCommand
from marketplace.catalog.interchange.exports import needs_export


class Command(ExportCommand):
    help = "Export the needs in the catalog-format.md layout (.csv, .xlsx or .json by extension)."
    exporter = staticmethod(needs_export)
