import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from matching.engine import Labels
from matching.engine.encoding_bench import catalog_texts
from matching.engine.encoding_bench import sample as sample_of
from matching.engine.fanout_bench import bench_fanout


class Command(BaseCommand):
    help = (
        "Encoding fanned out: the same catalog texts encoded by 1 worker process, then 2, one thread each "
        "(chunks pulled from one queue, as Celery workers pull a build's chunks); passages/s and the speed-up, "
        "medians of the repeats, with the load average before and after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--catalog", default=str(settings.BASE_DIR / "fixtures" / "catalog.csv"))
        parser.add_argument("--sample", dest="size", type=int, default=96, help="texts drawn from the catalog")
        parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
        parser.add_argument("--chunk", type=int, default=16, help="texts per chunk (MATCHING_FAN_OUT_CHUNK)")
        parser.add_argument("--repeats", type=int, default=3)
        parser.add_argument("--shared-session", action="store_true",
                            help="leave the workers in this command's session (one CPU share between them under load)")
        parser.add_argument("--backend", default=settings.MATCHING["EMBEDDING_BACKEND"])
        parser.add_argument("--model", default=settings.MATCHING["EMBEDDING_MODEL"])

    def handle(self, *args, catalog, size: int, workers, chunk: int, repeats: int, backend, model, shared_session, **options):
        taxonomy = json.loads(Path(settings.TAXONOMY_PATH).read_text(encoding="utf-8"))
        texts = [text for _ref, text in sample_of(catalog_texts(catalog, Labels.from_taxonomy(taxonomy)), size)]
        load_before = os.getloadavg()
        report = bench_fanout(
            backend, model, texts, workers=workers, repeats=repeats, chunk=chunk, sessions=not shared_session, log=lambda line: self.stderr.write(line)
        )
        report = {
            "backend": backend,
            "cores": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            **report,
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
