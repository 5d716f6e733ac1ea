"""Real processes on real services: PostgreSQL (the test database, shared with the child
processes through committed transactions), a private Redis server on a free loopback port (so it
can be stopped without touching anyone else's), Celery workers and web servers started as an
operator would, with the hashing embedder to keep them fast."""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import REPO
from tests.config.conftest import STRONG_SECRET_KEY, child_env, free_port, wait_for_port



def wait_until(condition: Callable[[], object], *, seconds: float, what: str, every: float = 0.3,
               stack: Stack | None = None) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {seconds} s: {what}" + (stack.outputs() if stack else ""))


class RedisServer:
    """A throwaway redis-server that the tests may stop and start again on the same port."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.process, seconds=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


class Child:
    """A child process whose output is collected line by line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, seconds: float = 90) -> None:
        wait_until(lambda: text in self.output or self.process.poll() is not None, seconds=seconds,
                   what=f"{text!r} in the output")
        assert text in self.output, self.output

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Stack:
    """Environment and process starters of one test's runtime: workers and web servers on the
    test database, a queue of their own on the private Redis."""

    def __init__(self, tmp_path: Path, redis: RedisServer) -> None:
        settings = connection.settings_dict
        database = (f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
                    f"{settings['NAME']}")
        self.redis = redis
        self.queue = f"runtime-{uuid.uuid4().hex[:12]}"
        self.env = child_env(
            DJANGO_SETTINGS_MODULE="config.settings.base", DATABASE_URL=database, SECRET_KEY=STRONG_SECRET_KEY,
            DEBUG="false", ALLOWED_HOSTS="127.0.0.1,localhost",
            MATCHING_JOBS="celery", MATCHING_EMBEDDING_BACKEND="hashing", MATCHING_AUTO_REBUILD="false",
            MATCHING_CACHE_DIR=str(tmp_path / "cache"),
            MATCHING_SHIPPED_VECTORS_DIR="", CELERY_BROKER_URL=redis.url, CELERY_RESULT_BACKEND=redis.url,
            CELERY_QUEUE=self.queue, CACHE_URL="locmemcache://", HEALTH_CHECK_BROKER="false",
        )  # fmt: skip
        self.children: list[Child] = []

    def worker(self, name: str = "w1") -> Child:
        node = f"{name}-{self.queue}@localhost"
        child = Child([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--hostname", node,
                       "--without-mingle", "--without-gossip", "--loglevel", "INFO"], self.env)
        self.children.append(child)
        child.wait_for(f"{node} ready.")
        return child

    def web(self, **env: str) -> tuple[Child, str]:
        port = free_port()
        child = Child([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], {**self.env, **env})
        self.children.append(child)
        wait_for_port(port, child.process, seconds=90)
        return child, f"http://127.0.0.1:{port}"

    def outputs(self) -> str:
        return "".join(f"\n--- {' '.join(c.process.args[2:5])}\n{c.output[-6000:]}" for c in self.children)

    def close(self) -> None:
        for child in reversed(self.children):
            child.stop(signal.SIGKILL)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack(tmp_path, redis_server, reference_data) -> Iterator[Stack]:
    if connection.vendor != "postgresql":
        pytest.skip("runtime tests share the database with child processes: set DATABASE_URL to PostgreSQL")
    if redis_server.process is None:
        redis_server.start()
    runtime = Stack(tmp_path, redis_server)
    yield runtime
    runtime.close()
