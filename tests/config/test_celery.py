"""The Celery app: configuration from Django's settings, eager in tests, and a real worker
process that takes a task from Redis, answers it and stops cleanly."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import uuid

import pytest
import redis
from celery import Celery
from celery.result import EagerResult

from config.celery_app import app, debug_task
from tests.conftest import REPO
from tests.config.conftest import REDIS_TEST_URL, child_env


def test_the_app_reads_its_configuration_from_django_settings():
    conf = app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert (conf.task_serializer, conf.result_serializer, conf.accept_content) == ("json", "json", ["json"])
    assert conf.broker_url == "redis://127.0.0.1:6379/0"  # the default: CELERY_BROKER_URL unset in tests


def test_tasks_run_inline_in_tests():
    result = debug_task.delay("inline")

    assert isinstance(result, EagerResult)  # ran here, no broker involved
    assert result.get(timeout=1)["value"] == "inline"


@pytest.fixture
def queue():
    """A queue of this test's own on Redis db 5, so that no other worker or test takes its task."""
    name = f"deploy-test-{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.delete(name, *client.keys(f"*{name}*"))


def test_a_worker_process_runs_a_task_and_stops_cleanly(queue):
    node = f"{queue}@{socket.gethostname()}"
    env = child_env(DJANGO_SETTINGS_MODULE="config.settings.test", CELERY_BROKER_URL=REDIS_TEST_URL)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--queues", queue,
         "--hostname", node, "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    client = Celery("client", broker=REDIS_TEST_URL, backend=REDIS_TEST_URL)
    try:
        result = client.send_task("config.celery_app.debug_task", args=[{"need": "N-1"}], queue=queue)
        answer = result.get(timeout=90)
        result.forget()
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()

    assert answer == {"value": {"need": "N-1"}, "worker": node}
    assert worker.returncode == 0, output
    assert f"{node} ready." in output
    assert "succeeded in" in output
    assert "Traceback" not in output
