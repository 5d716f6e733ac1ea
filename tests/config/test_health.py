"""/health/: 200 with every check OK, 500 naming the check that failed."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from config.health import BROKER_UNREACHABLE, CACHE_UNREACHABLE
from config.settings.base import cache_config
from marketplace.catalog.models import Solution
from matching.health import INDEX_NEVER_BUILT, index_freshness
from matching import services
from tests.config.conftest import REDIS_TEST_URL, child_env
from tests.marketplace.factories import SolutionFactory

NOTHING_LISTENS = "redis://127.0.0.1:1/0"


def health(client) -> tuple[int, dict]:
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    return response.status_code, json.loads(response.content)


def failing(report: dict) -> dict:
    return {check: status for check, status in report.items() if status != "OK"}


def _index() -> None:
    """An index holding every solution saved so far (their vectors stored)."""
    services.index_build()


def _saved(solution: Solution, ago: timedelta) -> None:
    Solution.objects.filter(pk=solution.pk).update(updated_at=timezone.now() - ago)


@pytest.mark.django_db
def test_healthy_answers_200_with_every_check(client, reference_data):
    _saved(SolutionFactory(), timedelta(hours=2))
    _index()

    status, report = health(client)

    assert status == 200
    assert report == {"Database(alias='default')": "OK", "Cache(alias='default')": "OK", "MatchingIndex()": "OK"}


@pytest.mark.django_db
def test_an_index_never_built_over_solutions_is_unhealthy(client, reference_data):
    SolutionFactory()

    status, report = health(client)

    assert status == 500
    assert failing(report) == {"MatchingIndex()": f"Unavailable: {INDEX_NEVER_BUILT}"}


@pytest.mark.django_db
def test_a_solution_waiting_longer_than_the_lag_makes_the_index_stale(client, reference_data, settings):
    settings.HEALTH_INDEX_MAX_LAG_SECONDS = 900
    _index()
    recent, old = SolutionFactory(), SolutionFactory()  # saved after the index: not in it yet
    _saved(recent, timedelta(seconds=30))

    assert health(client)[0] == 200  # pending, but within the lag

    _saved(old, timedelta(hours=1))
    status, report = health(client)

    assert status == 500
    assert list(failing(report)) == ["MatchingIndex()"]
    assert re.fullmatch(r"Unavailable: 2 solution\(s\) not in the matching index and 0 need\(s\) not matched "
                        r"against it, the oldest pending for 360\d s", report["MatchingIndex()"])
    assert index_freshness()["solutions_pending"] == 2


@pytest.mark.django_db
def test_a_cache_that_does_not_answer_is_unhealthy(client, settings):
    settings.CACHES = {"default": cache_config(NOTHING_LISTENS)}

    status, report = health(client)

    assert status == 500
    assert failing(report) == {"Cache(alias='default')": f"Unavailable: {CACHE_UNREACHABLE}"}


@pytest.mark.django_db
def test_the_redis_cache_is_checked_for_real(client, settings):
    settings.CACHES = {"default": cache_config(REDIS_TEST_URL)}

    assert health(client) == (200, {"Database(alias='default')": "OK", "Cache(alias='default')": "OK",
                                    "MatchingIndex()": "OK"})


@pytest.mark.django_db
def test_with_redis_down_the_api_still_answers_and_the_outage_is_logged(client, settings, caplog, reference_data,
                                                                      monkeypatch):
    settings.CACHES = {"default": cache_config(NOTHING_LISTENS)}
    monkeypatch.setattr("config.cache._last_warning", 0.0)  # logged at most once a minute
    SolutionFactory()

    response = client.get("/api/solutions/")  # the throttles read and write the cache

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert "Redis cache unavailable, answering as an empty cache" in caplog.text


@pytest.mark.django_db
def test_the_broker_is_checked_when_configured(client, settings):
    settings.HEALTH_CHECK_BROKER = True
    settings.CELERY_BROKER_URL = REDIS_TEST_URL

    status, report = health(client)
    assert (status, report["Broker()"]) == (200, "OK")

    settings.CELERY_BROKER_URL = NOTHING_LISTENS
    status, report = health(client)
    assert status == 500
    assert failing(report) == {"Broker()": f"Unavailable: {BROKER_UNREACHABLE}"}


def test_the_broker_is_not_checked_by_default_with_in_process_jobs(settings):
    assert settings.MATCHING["JOBS"] != "celery"
    assert settings.HEALTH_CHECK_BROKER is False


def test_a_database_that_does_not_answer_is_unhealthy(run_python, tmp_path):
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "response = Client().get('/health/', HTTP_ACCEPT='application/json')\n"
        "print(response.status_code, response.content.decode())\n"
    )
    env = child_env(DJANGO_SETTINGS_MODULE="config.settings.base", ALLOWED_HOSTS="testserver",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}")

    result = run_python(code, env)

    status, _, body = result.stdout.partition(" ")
    assert status == "500", result.stderr
    report = json.loads(body)
    assert report["Database(alias='default')"] == "Unavailable: unable to open database file"
    assert report["Cache(alias='default')"] == "OK"
