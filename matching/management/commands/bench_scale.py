import json
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matching.engine.embedders import get_embedder
from matching.engine.pipeline_bench import bench_pipeline
from matching.engine.scale_bench import bench_scale


def default_seeds() -> str:
    """The shared embedding cache of the configured model (the fixture texts' vectors), else the
    sample that bench_encoding saves."""
    identity = get_embedder(settings.MATCHING["EMBEDDING_BACKEND"], settings.MATCHING["EMBEDDING_MODEL"]).identity
    slug = "".join(c if c.isalnum() else "-" for c in identity)
    cache = Path(settings.MATCHING["CACHE_DIR"] or settings.VAR_DIR / "cache") / f"embeddings-{slug}.npz"
    return str(cache if cache.exists() else settings.VAR_DIR / "bench" / "catalog-sample-vectors.npz")


class Command(BaseCommand):
    help = (
        "Vector indexes over N vectors drawn around the real solution vectors: build time, memory, single-query "
        "p50/p99, recall@10 against exact search, the same under a tight hard filter, and resident memory of "
        "4 processes memory-mapping the IVF-SQ8 file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=100_000)
        parser.add_argument("--seeds", default="", help="npz with a 'vectors' array (default: the embedding cache)")
        parser.add_argument("--queries", type=int, default=300)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--only", nargs="*", default=[], help="run only indexes whose name contains a word")
        parser.add_argument("--index-file", default=str(settings.VAR_DIR / "bench" / "scale-ivf-sq8.faiss"))
        parser.add_argument(
            "--pipeline", action="store_true",
            help="instead of comparing index kinds: the product's search (Matcher.search, both channels, ranking) "
            "p50/p99 without filters and under the tight filter (pre-filtered, and the widening search before it)",
        )  # fmt: skip

    def handle(self, *args, n, seeds, queries, workers, only, index_file, pipeline, **options):
        seeds = seeds or default_seeds()
        try:
            with np.load(seeds) as data:
                vectors = np.asarray(data["vectors"], dtype=np.float32)
        except (OSError, KeyError, ValueError) as error:
            raise CommandError(f"cannot read seed vectors from {seeds}: {error}") from None
        if pipeline:
            report = bench_pipeline(n, vectors, queries=min(queries, 200), log=lambda line: self.stderr.write(line))
            report["seeds_file"] = seeds
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
            return
        Path(index_file).parent.mkdir(parents=True, exist_ok=True)
        report = bench_scale(
            n,
            vectors,
            queries=queries,
            workers=workers,
            index_path=index_file,
            only=only,
            log=lambda line: self.stderr.write(line),
        )
        report["seeds_file"] = seeds
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
