"""One provider's six simultaneous proposals on one lead, through the API, on the file-based
SQLite database named by DATABASE_URL. Prints the statuses as JSON.

Run in its own process by test_sqlite_concurrency.py (the test database of pytest-django is an
in-memory one, whose shared-cache locking is not what a deployment meets)."""
import json
import os
import sys
import threading

import django
import django.test.utils

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()
django.test.utils.setup_test_environment()  # the test client's host, locmem e-mail

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from marketplace.docking.models import Lead, Proposal  # noqa: E402
from tests.marketplace.factories import NeedFactory, SolutionFactory, UserFactory  # noqa: E402

call_command("migrate", verbosity=0)
solution = SolutionFactory()
need = NeedFactory()
Lead.objects.create(need=need, provider=solution.provider, solution=solution, score=0.9,
                    month=timezone.localdate().replace(day=1))  # fmt: skip
user = UserFactory(provider=solution.provider)
connection.close()

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 6
barrier, statuses = threading.Barrier(THREADS), []


def propose() -> None:
    client = APIClient()
    client.force_authenticate(user)
    body = {"need": need.ref, "solution": solution.ref, "price_quote": 60000, "weeks": 3}
    barrier.wait()
    try:
        response = client.post("/api/proposals/", body, format="json")
        statuses.append(response.status_code)
        if response.status_code >= 400:
            print(response.status_code, response.content.decode()[:300], file=sys.stderr)
    finally:
        connection.close()


workers = [threading.Thread(target=propose) for _ in range(THREADS)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
print(json.dumps({"statuses": sorted(statuses), "proposals": Proposal.objects.count(),
                  "journal_mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]}))  # fmt: skip
