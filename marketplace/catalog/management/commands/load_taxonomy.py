from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from marketplace.catalog.taxonomy import read_taxonomy, sync_reference_data


class Command(BaseCommand):
    help = "Load categories, industries, tiers, cities and counties from taxonomy.json (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(settings.TAXONOMY_PATH))

    def handle(self, *args, path: str, **options):
        sync_reference_data(lambda name: apps.get_model("marketplace", name), read_taxonomy(path))
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded from {path}"))
