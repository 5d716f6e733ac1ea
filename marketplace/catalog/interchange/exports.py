"""Catalog and needs files written from the database (the reverse of an import)."""
from __future__ import annotations

from marketplace.catalog import models
from marketplace.catalog.interchange import files
from marketplace.catalog.interchange.tables import write_table


def catalog_export(*, fmt: str, solutions=None) -> bytes:
    queryset = models.Solution.objects.all() if solutions is None else solutions
    return write_table(files.CATALOG.names, files.catalog_rows(queryset), fmt)


def needs_export(*, fmt: str, needs=None) -> bytes:
    queryset = models.Need.objects.all() if needs is None else needs
    return write_table(files.NEEDS.names, files.needs_rows(queryset), fmt)
