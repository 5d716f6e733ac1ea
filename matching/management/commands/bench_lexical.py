import json
from pathlib import Path

from django.core.management.base import BaseCommand

from matching.engine.lexical_bench import bench_lexical


class Command(BaseCommand):
    help = (
        "The BM25 channel over N synthetic solution texts recombined from the fixture generator: build time, "
        "memory, single-query p50/p99 (wall and CPU), tokenizer rate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=100_000)
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument(
            "--index", type=Path, default=None,
            help="index file: loaded if it exists (no build), else written after the build",
        )
        parser.add_argument(
            "--sweep", nargs="*", default=[], metavar="BUDGET,CANDIDATES",
            help="also time the approximate search at these postings budgets and candidate counts",
        )
        parser.add_argument(
            "--processes", type=int, default=0,
            help="then load the saved --index in this many processes (memory-mapped) and report their RSS / PSS",
        )

    def handle(self, *args, n, queries, index, sweep, processes, **options):
        pairs = [tuple(int(part) for part in item.split(",")) for item in sweep]
        report = bench_lexical(
            n, queries=queries, saved=index, sweep=pairs, processes=processes, log=lambda line: self.stderr.write(line)
        )
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
