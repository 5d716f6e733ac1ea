import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matching import selectors, services
from matching.engine import Matcher
from matching.engine.bench import bench_query
from matching.engine.embedders import CachingEmbedder
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
        parser.add_argument(
            "--build", action="store_true", help="also time a full index build with a cold embedding cache (slow)"
        )

    def handle(self, *args, needs_file: str, queries: int, repeats: int, build: bool, **options):
        try:
            sample = [query for _ref, query in queries_from_file(needs_file)[:queries]]
        except QueryFileError as error:
            raise CommandError(str(error)) from None
        report: dict = {}
        matcher = services.get_matcher()
        raw = matcher.embedder.inner if isinstance(matcher.embedder, CachingEmbedder) else matcher.embedder
        if build:
            started = time.perf_counter()
            names = selectors.labels()
            solutions = list(selectors.indexable_solutions())
            Matcher(raw, labels=names).upsert_many(selectors.documents(solutions, names))
            report["build_s"] = round(time.perf_counter() - started, 1)
            report["build_docs"] = len(solutions)
        cached, matcher.embedder = matcher.embedder, raw  # time the model, not the cache
        try:
            report.update(bench_query(matcher, sample, repeats=repeats, fusion=settings.MATCHING["FUSION"]))
        finally:
            matcher.embedder = cached
        report["total_over_raw_encode"] = round(
            report["total_ms"]["median"] / report["embedder_single_query_ms"]["median"], 3
        )
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
