"""With production settings a request error is one JSON line on stdout: path, status, traceback."""
import json

from tests.config.conftest import production_env
from tests.config.urls_boom import BOOM

REQUEST = """
import django; django.setup()
from django.test import Client, override_settings
# The error page links static files by their hashed names; no collectstatic here (see test_gunicorn).
PLAIN_STATIC = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(ROOT_URLCONF="tests.config.urls_boom", STORAGES=PLAIN_STATIC):
    response = Client(raise_request_exception=False).get("/boom/?x=1", secure=True)
    assert response.status_code == 500, response.status_code
"""


def test_a_500_is_one_json_line_with_the_path_and_the_traceback(run_python, tmp_path):
    result = run_python(REQUEST, production_env(tmp_path, ALLOWED_HOSTS="testserver"))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    record = json.loads(lines[0])
    assert record["level"] == "ERROR"
    assert record["time"].endswith("+00:00")
    assert record["logger"] == "django.request"
    assert record["path"] == "/boom/"
    assert record["method"] == "GET"
    assert record["status_code"] == 500
    assert record["exc_info"].startswith("Traceback (most recent call last):")
    assert f"RuntimeError: {BOOM}" in record["exc_info"]
    assert "request" not in record


def test_a_job_failure_is_logged_as_json_too(run_python, tmp_path):
    code = (
        "import django; django.setup()\n"
        "from matching import jobs\n"
        "def rebuild(): raise ValueError('index files unreadable')\n"
        "future = jobs.enqueue(rebuild)\n"
        "assert future.exception() is not None\n"
    )
    result = run_python(code, production_env(tmp_path, MATCHING_JOBS="thread"))

    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.splitlines()[-1])
    assert record["logger"] == "matching.jobs"
    assert "ValueError: index files unreadable" in record["exc_info"]
