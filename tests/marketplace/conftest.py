"""Fixtures for marketplace tests: run commands as a user would, seed a small catalog, and check
that a rejected file leaves the database as it was."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.marketplace.files import VALID_CATALOG_ROWS, VALID_NEED_ROWS, csv_bytes, snapshot


@pytest.fixture
def seeded_catalog(db, write_file, run_command) -> dict:
    """A database holding the valid catalog and needs; returns its snapshot."""
    assert run_command("import_catalog", str(write_file("seed.csv", csv_bytes(VALID_CATALOG_ROWS)))).returncode == 0
    assert run_command("import_needs", str(write_file("seed-needs.csv", csv_bytes(VALID_NEED_ROWS)))).returncode == 0
    return snapshot()


@pytest.fixture
def rejects(seeded_catalog, write_file, run_command) -> Callable[..., list[str]]:
    """Import a bad file; assert exit status 1 and an unchanged database; return the error lines."""

    def check(data: bytes, name: str = "bad.csv", command: str = "import_catalog") -> list[str]:
        result = run_command(command, str(write_file(name, data)))
        assert result.returncode == 1, result.stdout
        assert "nothing was imported" in result.stderr
        assert snapshot() == seeded_catalog
        return result.errors

    return check

