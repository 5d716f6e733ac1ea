from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from marketplace import models

# Demo-only credentials, listed in README. Never run this command on a production database.
DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = ("demo-admin", "demo-enterprise", "demo-provider")


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts: an administrator, an enterprise user and a provider user."

    @transaction.atomic
    def handle(self, *args, **options):
        enterprise = (
            models.Enterprise.objects.filter(city_id="淄博市", industry_id="ceramics").order_by("ref").first()
            or models.Enterprise.objects.order_by("ref").first()
        )
        provider = (
            models.Provider.objects.filter(name__contains="海智造").order_by("ref").first()
            or models.Provider.objects.order_by("ref").first()
        )
        if enterprise is None or provider is None:
            raise CommandError("Import the catalog and the needs first (import_catalog, import_needs).")
        self._account("demo-admin", is_staff=True, is_superuser=True)
        self._account("demo-enterprise", enterprise=enterprise)
        self._account("demo-provider", provider=provider)
        self.stdout.write(self.style.SUCCESS(
            f"Demo accounts ready (password {DEMO_PASSWORD}): demo-admin (staff), "
            f"demo-enterprise ({enterprise.name}), demo-provider ({provider.name})"
        ))

    def _account(self, username: str, **fields) -> None:
        defaults = {"is_staff": False, "is_superuser": False, "enterprise": None, "provider": None, **fields}
        user, _ = models.User.objects.update_or_create(username=username, defaults=defaults)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
