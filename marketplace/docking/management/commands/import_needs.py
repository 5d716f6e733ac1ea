from marketplace.catalog.management.commands._interchange import ImportCommand
from marketplace.docking.services import needs_import


class Command(ImportCommand):
    help = "Import a needs file (catalog-format.md): atomic, idempotent upsert by ref."
    importer = staticmethod(needs_import)
