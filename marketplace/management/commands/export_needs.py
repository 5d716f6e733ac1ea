from marketplace.management.commands._interchange import ExportCommand
from marketplace.services import needs_export


class Command(ExportCommand):
    help = "Export the needs in the catalog-format.md layout (.csv, .xlsx or .json by extension)."
    exporter = staticmethod(needs_export)
