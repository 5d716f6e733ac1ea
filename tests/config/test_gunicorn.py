"""The production stack as an operator starts it: migrate, collectstatic, gunicorn with
config/gunicorn.py, behind a TLS-terminating proxy (X-Forwarded-Proto), Redis as cache and broker."""
from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import uuid

import pytest
import redis

from tests.conftest import REPO
from tests.config.conftest import REDIS_TEST_URL, free_port, production_env, wait_for_port

SWAGGER_BUNDLE = re.compile(r'src="(/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.[0-9a-f]{12}\.js)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    port, prefix = free_port(), f"deploy-test-{uuid.uuid4().hex}"
    env = production_env(tmp, STATIC_ROOT=str(tmp / "static"), ALLOWED_HOSTS="127.0.0.1", PORT=str(port),
                         WEB_CONCURRENCY="1", TRUST_X_FORWARDED_PROTO="true",
                         CACHE_URL=f"{REDIS_TEST_URL}?key_prefix={prefix}", CELERY_BROKER_URL=REDIS_TEST_URL)
    for command in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    stdout, stderr = tmp / "stdout.log", tmp / "stderr.log"
    with stdout.open("w") as out, stderr.open("w") as err:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"], cwd=REPO, env=env,
                                  stdout=out, stderr=err)
    try:
        wait_for_port(port, server)
        yield {"port": port, "server": server, "stdout": stdout, "stderr": stderr, "prefix": prefix}
    finally:
        redis_client = redis.Redis.from_url(REDIS_TEST_URL)
        redis_client.delete(*redis_client.keys(f"{prefix}:*") or ["-"])
        if server.poll() is None:
            server.kill()
            server.wait()


def get(site, path: str, *, https: bool = True, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", site["port"], timeout=60)
    if https:
        headers["X-Forwarded-Proto"] = "https"
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_swagger_ui_and_its_assets_are_served_hashed_and_compressed(site):
    page = get(site, "/api/docs/")
    assert page.status == 200, page.body[:500]
    assert page.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"

    bundle = SWAGGER_BUNDLE.search(page.body.decode())
    assert bundle, page.body.decode()[:2000]
    asset = get(site, bundle.group(1), **{"Accept-Encoding": "gzip"})
    assert asset.status == 200
    assert asset.getheader("Content-Encoding") == "gzip"
    assert "immutable" in asset.getheader("Cache-Control")
    assert get(site, "/api/schema/").status == 200
    # DRF's throttle counted the requests in Redis, where every web worker sees them.
    assert redis.Redis.from_url(REDIS_TEST_URL).exists(f"{site['prefix']}:1:throttle_anon_127.0.0.1")


def test_plain_http_is_redirected_except_the_health_probe(site):
    page = get(site, "/api/docs/", https=False)
    assert page.status == 301
    assert page.getheader("Location") == f"https://127.0.0.1:{site['port']}/api/docs/"

    probe = get(site, "/health/", https=False, Accept="application/json")
    assert probe.status == 200, probe.body
    assert json.loads(probe.body) == {
        "Database(alias='default')": "OK", "Cache(alias='default')": "OK", "Broker()": "OK", "MatchingIndex()": "OK"
    }


def test_gunicorn_logs_each_request_and_stops_cleanly(site):
    server = site["server"]
    server.send_signal(signal.SIGTERM)

    assert server.wait(timeout=60) == 0
    access = site["stdout"].read_text()
    assert re.search(r'"GET /api/docs/ HTTP/1\.1" 200 ', access), access
    assert "Traceback" not in site["stderr"].read_text()
