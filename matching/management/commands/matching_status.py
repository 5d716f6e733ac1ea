import json

from django.core.management.base import BaseCommand

from matching.status import matching_status


class Command(BaseCommand):
    help = (
        "How far matching is behind the database: index version, solutions and open needs, how many "
        "are pending (not yet in the index or the stored matches) and for how long."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, json: bool = False, **options):
        status = matching_status()
        if json:
            self.stdout.write(_dumps(status))
            return
        width = max(map(len, status))
        for key, value in status.items():
            self.stdout.write(f"{key:<{width}}  {'-' if value is None else value}")


def _dumps(status: dict) -> str:
    return json.dumps(status, ensure_ascii=False)
