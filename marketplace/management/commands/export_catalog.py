from marketplace.management.commands._interchange import ExportCommand
from marketplace.services import catalog_export


class Command(ExportCommand):
    help = "Export the catalog in the catalog-format.md layout (.csv, .xlsx or .json by extension)."
    exporter = staticmethod(catalog_export)
