import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from fixtures.generator import write


class Command(BaseCommand):
    help = "Write the deterministic demo catalog.csv and needs.csv (same seed, same bytes) and print their statistics."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument(
            "--out", type=Path, default=None, help="output folder (default: fixtures/ at the repo root)"
        )

    def handle(self, *args, seed: int, out: Path | None, **options):
        out_dir = out or Path(settings.BASE_DIR) / "fixtures"
        stats = write(out_dir, seed=seed)
        self.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2))
        files = ", ".join(f"{f['path']} ({f['bytes']:,} bytes)" for f in stats["files"].values())
        self.stdout.write(self.style.SUCCESS(f"Wrote {files}"))
