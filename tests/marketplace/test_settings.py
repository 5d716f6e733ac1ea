import subprocess
import sys

from tests.conftest import REPO


def _check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO, env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
        capture_output=True, text=True,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = _check({"DEBUG": "false"})

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_debug_off_with_a_secret_key_starts():
    assert _check({"DEBUG": "false", "SECRET_KEY": "x" * 50}).returncode == 0
