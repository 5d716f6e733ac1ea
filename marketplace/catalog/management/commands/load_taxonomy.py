from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from marketplace.catalog.taxonomy import read_taxonomy, sync_county_names_en, sync_reference_data


class Command(BaseCommand):
    help = "Load categories, industries, tiers, cities and counties from taxonomy.json (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(settings.TAXONOMY_PATH))

    def handle(self, *args, path: str, **options):
        taxonomy = read_taxonomy(path)
        get_model = lambda name: apps.get_model("marketplace", name)  # noqa: E731
        sync_reference_data(get_model, taxonomy)
        sync_county_names_en(get_model, taxonomy)
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded from {path}"))
