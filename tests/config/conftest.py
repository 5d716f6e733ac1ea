"""Helpers for tests of the runtime stack: Django (or a server) in a child process with exactly
the environment given, as an operator would start it."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO

BIN = Path(sys.executable).parent
REDIS_TEST_URL = "redis://127.0.0.1:6379/5"
STRONG_SECRET_KEY = secrets.token_urlsafe(50)


def child_env(**env: str) -> dict[str, str]:
    """A clean environment (no DATABASE_URL or DEBUG leaking in from the test run) plus ``env``."""
    return {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), **env}


def production_env(tmp_path: Path, **env: str) -> dict[str, str]:
    return child_env(**{
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": STRONG_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "locmemcache://",
        **env,
    })


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess]:
    def run(code: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=timeout)

    return run


@pytest.fixture
def manage() -> Callable[..., subprocess.CompletedProcess]:
    def run(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=timeout)

    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")
