"""Fixtures shared by every app's tests."""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def matching_sandbox(settings, tmp_path):
    """Each test gets its own embedding cache and starts with no matcher loaded."""
    from matching import services

    settings.MATCHING = {**settings.MATCHING, "CACHE_DIR": str(tmp_path / "cache")}
    services._Loaded.forget()
    yield
    services._Loaded.forget()


@pytest.fixture(autouse=True)
def chinese_first():
    """Each test starts in the site's default language: a page requested in English activates
    English in this thread, and messages translated lazily would follow it into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def reference_data(db) -> None:
    """The taxonomy tables. A data migration fills them, but a transactional test's flush empties
    them for the tests after it, so tests that may follow one load them again (idempotent)."""
    call_command("load_taxonomy", verbosity=0)


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
