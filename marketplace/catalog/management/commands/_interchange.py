"""Shared body of the import_* and export_* commands."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from marketplace.catalog.interchange.importer import ImportFailed, ImportReport
from marketplace.catalog.interchange.tables import FileError, format_of
from marketplace.catalog.limits import first_problems


class ImportCommand(BaseCommand):
    importer: Callable[..., ImportReport]

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .csv, .xlsx or .json file")
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")

    def handle(self, *args, path: str, dry_run: bool, verbosity: int, **options):
        self.show_progress = verbosity > 0
        try:
            fmt = format_of(path)
            data = Path(path).read_bytes()
        except FileError as error:
            self._fail(error.errors)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        try:
            report = type(self).importer(data=data, fmt=fmt, dry_run=dry_run, progress=self._progress)
        except FileError as error:
            self._fail(error.errors)
        except ImportFailed as failure:
            self._fail(failure.report.errors)
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _progress(self, iterable: Iterable, total: int, description: str) -> Iterable:
        disable = not self.show_progress or total < 200
        return tqdm(iterable, total=total, desc=description, unit="row", disable=disable, file=sys.stderr)

    def _fail(self, errors: list[str]) -> None:
        for line in first_problems(errors):
            self.stderr.write(line)
        raise CommandError(f"{len(errors)} error(s); nothing was imported", returncode=1)


class ExportCommand(BaseCommand):
    exporter: Callable[..., bytes]

    def add_arguments(self, parser):
        parser.add_argument("path", help="where to write: .csv, .xlsx or .json")

    def handle(self, *args, path: str, **options):
        try:
            data = type(self).exporter(fmt=format_of(path))
        except FileError as error:
            raise CommandError(error.errors[0]) from None
        target = Path(path)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(data)
        temporary.replace(target)
        self.stdout.write(self.style.SUCCESS(f"Wrote {target} ({len(data):,} bytes)"))
