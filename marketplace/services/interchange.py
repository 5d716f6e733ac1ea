"""Catalog and needs files: import (all or nothing) and export."""
from __future__ import annotations

from django.conf import settings
from django.db import transaction

from marketplace import models, signals
from marketplace.interchange import files
from marketplace.interchange.importer import FileSpec, ImportReport, Progress, no_progress, run_import
from marketplace.interchange.tables import read_table, write_table

_APPLY = {"catalog": files.apply_catalog, "needs": files.apply_needs}


def _import(spec: FileSpec, data: bytes, fmt: str, dry_run: bool, progress: Progress) -> ImportReport:
    table = read_table(data, fmt, max_bytes=settings.IMPORT_MAX_BYTES)
    report = run_import(table=table, spec=spec, apply=_APPLY[spec.kind], dry_run=dry_run, progress=progress)
    if not dry_run:
        for name, (model, signal) in _CHANGE_SIGNALS.items():
            if name in report.outcomes and report.outcomes[name].changed_ids:
                transaction.on_commit(
                    lambda s=signal, m=model, i=report.outcomes[name].changed_ids: s.send(sender=m, ids=i)
                )
    return report


# Bulk writes skip model signals, so imports announce what they changed themselves.
_CHANGE_SIGNALS = {
    "solutions": (models.Solution, signals.solutions_changed),
    "needs": (models.Need, signals.needs_changed),
}


def catalog_import(*, data: bytes, fmt: str, dry_run: bool = False, progress: Progress = no_progress) -> ImportReport:
    """Upsert providers and solutions from a catalog file; all or nothing.

    Raises ``FileError`` or ``ImportFailed`` carrying every `row N, column C: reason`.
    """
    return _import(files.CATALOG, data, fmt, dry_run, progress)


def needs_import(*, data: bytes, fmt: str, dry_run: bool = False, progress: Progress = no_progress) -> ImportReport:
    """Upsert enterprises and needs from a needs file; all or nothing."""
    return _import(files.NEEDS, data, fmt, dry_run, progress)


def catalog_export(*, fmt: str, solutions=None) -> bytes:
    queryset = models.Solution.objects.all() if solutions is None else solutions
    return write_table(files.CATALOG.names, files.catalog_rows(queryset), fmt)


def needs_export(*, fmt: str, needs=None) -> bytes:
    queryset = models.Need.objects.all() if needs is None else needs
    return write_table(files.NEEDS.names, files.needs_rows(queryset), fmt)
