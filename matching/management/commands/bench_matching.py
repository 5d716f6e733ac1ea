import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matching import services
from matching.engine.bench import bench_query
from matching.queries import QueryFileError, queries_from_file


class Command(BaseCommand):
    help = (
        "Warm single-query latency of match (median, p99; encode / retrieve / rank), the raw model's "
        "single-query encode time in the same run, and optionally the full index build time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--needs-file", default=str(settings.BASE_DIR / "fixtures" / "needs.csv"))
        parser.add_argument("--queries", type=int, default=50, help="how many needs of the file to use")
        parser.add_argument("--repeats", type=int, default=3)
        parser.add_argument("--build", action="store_true", help="also time a full index rebuild")

    def handle(self, *args, needs_file: str, queries: int, repeats: int, build: bool, **options):
        try:
            sample = [query for _ref, query in queries_from_file(needs_file)[:queries]]
        except QueryFileError as error:
            raise CommandError(str(error)) from None
        report: dict = {}
        if build:
            started = time.perf_counter()
            state = services.index_build()
            report["build_s"] = round(time.perf_counter() - started, 1)
            report["build_docs"] = state.size
        matcher = services.get_matcher()
        report.update(bench_query(matcher, sample, repeats=repeats, fusion=settings.MATCHING["FUSION"]))
        report["total_over_raw_encode"] = round(
            report["total_ms"]["median"] / report["embedder_single_query_ms"]["median"], 3
        )
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
