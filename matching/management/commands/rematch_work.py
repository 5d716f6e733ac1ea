"""Work per solution change, targeted against full re-matching (see ``matching.targeting``)."""
import random
import time

from django.core.management.base import BaseCommand

from marketplace.catalog.models import Solution
from matching import selectors, services, targeting
from matching.models import Match


class Command(BaseCommand):
    help = (
        "Edit a few solutions (a word appended to the title, then put back) and print, for each edit, "
        "the open needs re-matched and the seconds taken by targeted re-matching; with --full, also a "
        "full re-match of every open need (the work of one edit before), and with --verify, whether any "
        "skipped need's stored matches differ from what a full re-match then stores. Writes the database "
        "and the index (the titles are restored)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--edits", type=int, default=5)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--full", action="store_true", help="also time one full re-match")
        parser.add_argument("--verify", action="store_true", help="compare skipped needs with a full re-match")

    def handle(self, *args, edits: int, seed: int, full: bool, verify: bool, **options):
        ids = sorted(selectors.indexable_solutions().values_list("pk", flat=True))
        needs = selectors.open_needs().count()
        self.stdout.write(f"{len(ids)} active solutions, {needs} open needs")
        if full:
            started = time.perf_counter()
            services.need_matches_refresh()
            self.stdout.write(f"full re-match (every edit before): {needs} needs, {time.perf_counter() - started:.1f} s")
        for solution_id in random.Random(seed).sample(ids, edits):
            solution = Solution.objects.get(pk=solution_id)
            title = solution.title
            for label, new_title in (("edit", title + "（升级版）"), ("undo", title)):
                Solution.objects.filter(pk=solution_id).update(title=new_title)
                before_rows = _stored() if verify else None
                started = time.perf_counter()
                reached = self._targeted(solution_id)
                seconds = time.perf_counter() - started
                line = f"{solution.ref} {label}: {len(reached)} of {needs} needs re-matched, {seconds:.1f} s"
                if verify:
                    line += f"; skipped needs differing from a full re-match: {self._misses(reached, before_rows)}"
                self.stdout.write(line)

    @staticmethod
    def _targeted(solution_id: int) -> set[int]:
        before = targeting.channel_scores(matcher=services.get_matcher(), solution_ids=[solution_id])
        services.solutions_sync(solution_ids=[solution_id])
        reached = targeting.needs_reached(matcher=services.get_matcher(), before=before)
        services.need_matches_refresh(needs=reached)
        return {need.pk for need in reached}

    @staticmethod
    def _misses(reached: set[int], before_rows: dict) -> int:
        targeted = _stored()
        services.need_matches_refresh()
        after = _stored()
        return sum(1 for need_id in set(after) | set(targeted) if need_id not in reached and targeted.get(need_id) != after.get(need_id))


def _stored() -> dict[int, list[tuple[int, int]]]:
    rows: dict[int, list[tuple[int, int]]] = {}
    for need_id, rank, solution_id in Match.objects.order_by("need", "rank").values_list("need", "rank", "solution"):
        rows.setdefault(need_id, []).append((rank, solution_id))
    return rows
