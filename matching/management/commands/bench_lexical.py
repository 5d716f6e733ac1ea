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

    def handle(self, *args, n, queries, index, **options):
        report = bench_lexical(n, queries=queries, saved=index, log=lambda line: self.stderr.write(line))
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
