from marketplace.catalog.management.commands._interchange import ExportCommand
from marketplace.catalog.interchange.exports import catalog_export


class Command(ExportCommand):
    help = "Export the catalog in the catalog-format.md layout (.csv, .xlsx or .json by extension)."
    exporter = staticmethod(catalog_export)
