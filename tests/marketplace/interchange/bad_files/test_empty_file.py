import subprocess
import sys

from tests.conftest import REPO


def test_empty_file(rejects):
    assert rejects(b"") == ["file: the file is empty"]


def test_whitespace_only_file(rejects):
    assert rejects(b"\n \n") == ["file: the file is empty"]


def test_exit_status_from_the_real_command_line(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")

    result = subprocess.run(
        [sys.executable, "manage.py", "import_catalog", str(empty)], cwd=REPO, capture_output=True, text=True
    )

    assert result.returncode == 1
    assert "file: the file is empty" in result.stderr
