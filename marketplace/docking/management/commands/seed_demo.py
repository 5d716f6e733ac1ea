import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from marketplace.catalog import models
from marketplace.docking.models import Lead, Notification
from marketplace.docking.services import solutions, sync
from matching import services as matching

# Demo-only credentials, listed in README. Never run this command on a production database.
DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = ("demo-admin", "demo-enterprise", "demo-provider")

# The demo enterprise's open need: a kiln problem in a ceramics plant's own words, which the demo
# provider's kiln brain answers. Reset (open, no proposals) on every run.
DEMO_NEED_REF = "DEMO-N1"
DEMO_NEED = {
    "title": "窑炉烧成温度靠老师傅看火，天然气费用越来越高",
    "description": (
        "我们是一家日用陶瓷厂，有两条辊道窑。烧成温度全靠老师傅看火，产品合格率忽高忽低，"
        "天然气费用一年比一年高。想找一套窑炉温度监测和智能控制的方案，降低能耗，最好手机上能看数据。"
    ),
    "budget_max": 150_000,
    "timeline_weeks": 8,
}
DEMO_CONTACTS = {
    "enterprise": {"contact_name": "王厂长", "contact_phone": "0533-4188001", "contact_email": "demo-enterprise@example.com"},
    "provider": {"contact_name": "李工程师", "contact_phone": "0533-3586002", "contact_email": "demo-provider@example.com"},
}


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo accounts (an administrator, an enterprise user and a provider user) "
        "with contact details, and the demo enterprise's open kiln need. If the matching index is built, "
        "the need is matched and offered to providers at once; otherwise build_index does it."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            enterprise, provider = self._organisations()
            self._account("demo-admin", is_staff=True, is_superuser=True)
            self._account("demo-enterprise", enterprise=enterprise)
            self._account("demo-provider", provider=provider)
            # The platform has checked the demo provider's cases (the kiln brain's 12 ceramics
            # plants): verified cases weigh fully in the ranking and show the badge.
            admin = models.User.objects.get(username="demo-admin")
            solutions.solution_cases_verify(actor=admin, solutions=provider.solutions.filter(cases__gt=0))
            need = self._need(enterprise)
        matched = self._match(need, provider)
        self.stdout.write(self.style.SUCCESS(
            f"Demo accounts ready (password {DEMO_PASSWORD}): demo-admin (staff), "
            f"demo-enterprise ({enterprise.name}), demo-provider ({provider.name}); demo need {need.ref}: {matched}"
        ))

    def _organisations(self) -> tuple[models.Enterprise, models.Provider]:
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
        # Contact details are not matching facts: nothing for matching to follow.
        models.Enterprise.objects.filter(pk=enterprise.pk).update(**DEMO_CONTACTS["enterprise"])
        models.Provider.objects.filter(pk=provider.pk).update(**DEMO_CONTACTS["provider"])
        enterprise.refresh_from_db()
        provider.refresh_from_db()
        return enterprise, provider

    def _need(self, enterprise: models.Enterprise) -> models.Need:
        """The demo need, open and without proposals; ``_match`` matches it in this process."""
        fields = {**DEMO_NEED, "enterprise": enterprise, "status": models.Need.Status.OPEN, "outcome": "", "closed_at": None}
        if not models.Need.objects.filter(ref=DEMO_NEED_REF).update(**fields):
            models.Need.objects.bulk_create([models.Need(ref=DEMO_NEED_REF, **fields)])
        # Older than every other need: leads are handed out oldest first, so the demo provider's
        # monthly capacity is never used up before the demo need's turn.
        earliest = models.Need.objects.exclude(ref=DEMO_NEED_REF).aggregate(at=Min("created_at"))["at"]
        created = min(earliest - datetime.timedelta(seconds=1), timezone.now()) if earliest else timezone.now()
        models.Need.objects.filter(ref=DEMO_NEED_REF).update(created_at=created)
        need = models.Need.objects.get(ref=DEMO_NEED_REF)
        need.proposals.all().delete()
        Notification.objects.filter(need=need).delete()
        return need

    def _match(self, need: models.Need, provider: models.Provider) -> str:
        if not matching.index_built():
            return "it will be matched by build_index"
        Lead.objects.filter(need=need).delete()
        sync.needs_changed(ids=[need.pk])
        if Lead.objects.filter(need=need, provider=provider).exists():
            return f"matched, offered to {provider.name}"
        return f"matched, but not offered to {provider.name} (check its solutions and lead capacity)"

    def _account(self, username: str, **fields) -> None:
        defaults = {"is_staff": False, "is_superuser": False, "enterprise": None, "provider": None, **fields}
        user, _ = models.User.objects.update_or_create(username=username, defaults=defaults)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
