from django.core.management.base import BaseCommand, CommandError

from marketplace.catalog import models


class Command(BaseCommand):
    help = "Print the catalog and needs counts; fail unless they match the expected ones (CI smoke check)."

    def add_arguments(self, parser):
        parser.add_argument("--providers", type=int, help="exact number of providers expected")
        parser.add_argument("--needs-min", type=int, help="least number of needs expected")

    def handle(self, *args, providers: int | None, needs_min: int | None, **options):
        counts = {
            "providers": models.Provider.objects.count(),
            "solutions": models.Solution.objects.count(),
            "enterprises": models.Enterprise.objects.count(),
            "needs": models.Need.objects.count(),
            "users": models.User.objects.count(),
        }
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
        if providers is not None and counts["providers"] != providers:
            raise CommandError(f"expected {providers} providers, found {counts['providers']}")
        if needs_min is not None and counts["needs"] < needs_min:
            raise CommandError(f"expected at least {needs_min} needs, found {counts['needs']}")
