from marketplace.catalog.management.commands._interchange import ImportCommand
from marketplace.docking.services import catalog_import


class Command(ImportCommand):
    help = "Import a catalog file (catalog-format.md): atomic, idempotent upsert by ref."
    importer = staticmethod(catalog_import)
