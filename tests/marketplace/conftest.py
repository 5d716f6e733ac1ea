"""Fixtures for marketplace tests: run commands as a user would, seed a small catalog, and check
that a rejected file leaves the database as it was."""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.marketplace.files import VALID_CATALOG_ROWS, VALID_NEED_ROWS, csv_bytes, snapshot


class ImportResult:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith(("row ", "file:"))]


@pytest.fixture
def run_command() -> Callable[..., ImportResult]:
    def run(name: str, *args: str) -> ImportResult:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(name, *args, stdout=out, stderr=err, verbosity=0)
        except CommandError as error:
            err.write(str(error))
            return ImportResult(error.returncode, out.getvalue(), err.getvalue())
        return ImportResult(0, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


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

