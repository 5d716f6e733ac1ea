"""Catalog and needs files: import (all or nothing), then matching follows after the commit.
Exports are reads: ``marketplace.catalog.interchange.exports``."""
from __future__ import annotations

from django.conf import settings

from marketplace.docking.services import sync
from marketplace.catalog.interchange import files
from marketplace.catalog.interchange.importer import FileSpec, ImportReport, Progress, no_progress, run_import
from marketplace.catalog.interchange.tables import read_table

_APPLY = {"catalog": files.apply_catalog, "needs": files.apply_needs}


def _import(spec: FileSpec, data: bytes, fmt: str, dry_run: bool, progress: Progress) -> ImportReport:
    table = read_table(data, fmt, max_bytes=settings.IMPORT_MAX_BYTES)
    report = run_import(table=table, spec=spec, apply=_APPLY[spec.kind], dry_run=dry_run, progress=progress)
    if not dry_run:  # bulk writes: the import names what it changed
        outcomes = report.outcomes
        if "solutions" in outcomes:
            sync.solutions_saved(outcomes["solutions"].changed_ids)
        if "needs" in outcomes:
            sync.needs_saved(outcomes["needs"].changed_ids)
    return report


def catalog_import(*, data: bytes, fmt: str, dry_run: bool = False, progress: Progress = no_progress) -> ImportReport:
    """Upsert providers and solutions from a catalog file; all or nothing.

    Raises ``FileError`` or ``ImportFailed`` carrying every `row N, column C: reason`.
    """
    return _import(files.CATALOG, data, fmt, dry_run, progress)


def needs_import(*, data: bytes, fmt: str, dry_run: bool = False, progress: Progress = no_progress) -> ImportReport:
    """Upsert enterprises and needs from a needs file; all or nothing."""
    return _import(files.NEEDS, data, fmt, dry_run, progress)
