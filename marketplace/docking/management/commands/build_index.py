import time

from django.core.management.base import BaseCommand

from marketplace.docking.services.leads import leads_allocate
from matching import services
from matching.management.commands._progress import progress_bar


class Command(BaseCommand):
    """Lives in the docking app because it ends with the leads; ``--no-refresh`` touches only matching."""

    help = "Rebuild the matching index from the database, then refresh every open need's matches and leads."

    def add_arguments(self, parser):
        parser.add_argument("--no-refresh", action="store_true", help="only rebuild the index (store the vectors)")
        fan_out = parser.add_mutually_exclusive_group()
        fan_out.add_argument(
            "--fan-out", dest="fan_out", action="store_const", const=True, default=None,
            help="encode missing vectors in chunks on the Celery workers (default: when MATCHING_JOBS=celery "
            "and at least MATCHING_FAN_OUT_MIN are missing); in-process chunks in the other modes",
        )  # fmt: skip
        fan_out.add_argument("--no-fan-out", dest="fan_out", action="store_const", const=False,
                             help="encode in this process")

    def handle(self, *args, no_refresh: bool, fan_out: bool | None, verbosity: int, **options):
        progress = progress_bar(verbosity > 0)
        started = time.perf_counter()
        state = services.index_build(progress=progress, fan_out=fan_out)
        built = time.perf_counter()
        self.stdout.write(
            f"Index v{state.version}: {state.size} solutions, {state.identity}, built in {built - started:.1f} s"
        )
        if not no_refresh:
            needs = services.need_matches_update(progress=progress)
            leads = leads_allocate()
            self.stdout.write(
                f"Matches refreshed for {needs} open needs, {leads} new leads, in {time.perf_counter() - built:.1f} s"
            )
