import json
import os

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from matching.engine.lexical_bench import _rows
from matching.engine.scale_data import realistic_vectors
from matching.engine.worker_memory import memory_of_processes


class Command(BaseCommand):
    help = (
        "Web workers holding both indexes: N processes each map the saved vector index (bench_scale's "
        "--index-file) and the saved BM25 file (bench_lexical's --index), search with both, and report "
        "RSS and PSS while all are alive."
    )

    def add_arguments(self, parser):
        parser.add_argument("--vector-index", required=True, help="a FAISS file written by bench_scale")
        parser.add_argument("--nprobe", type=int, default=8, help="IVF lists probed (bench_scale's calibrated effort)")
        parser.add_argument("--seeds", required=True, help="npz with a 'vectors' array: query vectors are drawn around them")
        parser.add_argument("--lexical", required=True, help="a BM25 file written by bench_lexical --index")
        parser.add_argument("--processes", type=int, default=4)
        parser.add_argument("--queries", type=int, default=200)

    def handle(self, *args, vector_index, nprobe, seeds, lexical, processes, queries, **options):
        for path in (vector_index, seeds, lexical):
            if not os.path.exists(path):
                raise CommandError(f"{path} does not exist")
        with np.load(seeds) as data:
            query_vectors = realistic_vectors(data["vectors"], queries, rng_seed=4242)
        _catalog, needs = _rows(1)
        texts = [f"{row['title']}。{row['description']}" for row in needs[:queries]]
        workers = memory_of_processes(
            processes, vector_path=vector_index, queries=query_vectors, nprobe=nprobe, lexical_path=lexical, texts=texts
        )
        mib = 1024 * 1024
        report = {
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "files_mib": {"vector": round(os.path.getsize(vector_index) / mib), "lexical": round(os.path.getsize(lexical) / mib)},
            "processes": workers,
            "max_rss_mib": round(max(w["VmRSS"] for w in workers) / mib),
            "max_pss_mib": round(max(w["Pss"] for w in workers) / mib),
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
