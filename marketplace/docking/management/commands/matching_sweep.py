from django.core.management.base import BaseCommand

from marketplace.docking.services.sync import sweep


class Command(BaseCommand):
    """Lives in the docking app because the jobs it queues end with the leads."""

    help = "Queue the jobs of everything not yet reflected in the matching index or the stored matches."

    def handle(self, *args, **options):
        queued = sweep()
        self.stdout.write(f"Queued {queued['solutions']} solution(s) and {queued['needs']} need(s)")
