import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matching.engine import Labels
from matching.engine.embedders import get_embedder
from matching.engine.encoding_bench import catalog_texts
from matching.engine.encoding_bench import sample as sample_of

#: The steps of `make setup` after `pip install` (Makefile), each in a process of its own.
SETUP_STEPS = (
    ("migrate", ["migrate", "--no-input", "-v0"]),
    ("import_catalog", ["import_catalog", "fixtures/catalog.csv"]),
    ("import_needs", ["import_needs", "fixtures/needs.csv"]),
    ("seed_demo", ["seed_demo"]),
    ("build_index", ["build_index"]),
)


class Command(BaseCommand):
    help = (
        "Issue 11's set-up target in one run: the steps of `make setup` (after pip install) against a fresh "
        "SQLite database and an empty passage cache, every open need matched, against the time of 300 "
        "single-passage encodes of the model (median of --encodes, one catalog text per call)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--encodes", type=int, default=40, help="single-passage encodes timed (median)")
        parser.add_argument("--skip-setup", action="store_true", help="time the encodes only")

    def handle(self, *args, encodes: int, skip_setup: bool, **options):
        report: dict = {"cores": os.cpu_count(), "load_average_before": [round(x, 2) for x in os.getloadavg()]}
        if not skip_setup:
            report["setup"] = self._setup()
        report["single_encode"] = self._single_encodes(encodes)
        if not skip_setup:
            budget = 300 * report["single_encode"]["median_s"]
            report["budget_300_encodes_s"] = round(budget, 1)
            report["setup_over_budget"] = round(report["setup"]["total_s"] / budget, 3)
        report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))

    def _setup(self) -> dict:
        steps = {}
        with tempfile.TemporaryDirectory(prefix="bench-setup-", dir=settings.VAR_DIR if settings.VAR_DIR.is_dir() else None) as work:
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{Path(work) / 'db.sqlite3'}",
                "MATCHING_CACHE_DIR": str(Path(work) / "cache"),
                "MATCHING_JOBS": "thread",
            }
            started = time.perf_counter()
            for name, argv in SETUP_STEPS:
                step_started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "manage.py", *argv], cwd=settings.BASE_DIR, env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                )
                if done.returncode:
                    self.stderr.write(done.stderr[-4000:])
                    raise CommandError(f"set-up step {name} failed (exit {done.returncode})")
                steps[name] = round(time.perf_counter() - step_started, 1)
                self.stderr.write(f"{name}: {steps[name]} s")
            total = time.perf_counter() - started
        return {"steps_s": steps, "total_s": round(total, 1)}

    def _single_encodes(self, count: int) -> dict:
        taxonomy = json.loads(Path(settings.TAXONOMY_PATH).read_text(encoding="utf-8"))
        catalog = settings.BASE_DIR / "fixtures" / "catalog.csv"
        texts = [text for _ref, text in sample_of(catalog_texts(catalog, Labels.from_taxonomy(taxonomy)), count + 2)]
        embedder = get_embedder(settings.MATCHING["EMBEDDING_BACKEND"], settings.MATCHING["EMBEDDING_MODEL"])
        for text in texts[:2]:  # the model is loaded and warm before the clock starts
            embedder.encode_passages([text])
        seconds = []
        for text in texts[2:]:
            started = time.perf_counter()
            embedder.encode_passages([text])
            seconds.append(time.perf_counter() - started)
        median = statistics.median(seconds)
        self.stderr.write(f"single-passage encode: median {median * 1000:.0f} ms of {count}")
        return {"count": count, "median_s": round(median, 4), "embedder": embedder.identity}
