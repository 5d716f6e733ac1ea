"""The committed demo files import into an empty database exactly as the issue promises."""
import pytest

from marketplace.catalog import models
from marketplace.catalog.interchange import exports
from marketplace.docking import services
from tests.conftest import FIXTURES
from tests.marketplace.files import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(run_command) -> dict:
    for command, name in (("import_catalog", "catalog.csv"), ("import_needs", "needs.csv")):
        assert run_command(command, str(FIXTURES / name)).returncode == 0
    return snapshot()


def test_fixture_catalog_has_1191_providers(imported):
    assert models.Provider.objects.count() == 1191
    assert 2000 <= models.Solution.objects.count() <= 3500
    assert models.Need.objects.count() >= 1500
    assert models.Enterprise.objects.exclude(county=None).values("county").distinct().count() == 136


def test_importing_twice_changes_nothing(imported, run_command):
    result = run_command("import_catalog", str(FIXTURES / "catalog.csv"))

    assert "providers: 0 created, 0 updated, 1191 unchanged" in result.stdout
    assert snapshot() == imported


@pytest.mark.parametrize("kind", ["catalog", "needs"])
def test_export_reproduces_the_fixture_file_byte_for_byte(imported, kind):
    exported = getattr(exports, f"{kind}_export")(fmt="csv")

    assert exported == (FIXTURES / f"{kind}.csv").read_bytes()


def test_export_then_import_of_xlsx_changes_nothing(imported, run_command, tmp_path):
    path = tmp_path / "catalog.xlsx"
    run_command("export_catalog", str(path))

    result = run_command("import_catalog", str(path))

    assert result.returncode == 0, result.stderr
    assert snapshot() == imported


def test_long_imports_show_a_progress_bar(db, capsys):
    from django.core.management import call_command

    call_command("import_catalog", str(FIXTURES / "catalog.csv"))

    assert "Checking catalog: 100%" in capsys.readouterr().err
