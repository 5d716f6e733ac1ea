"""The Celery application, as cookiecutter-django sets it up: configuration from Django's settings
(the ``CELERY_`` names in ``config/settings/base.py``), tasks from each app's ``tasks.py``.

Start a worker with ``celery -A config worker`` (README "Running in production").
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(bind=True)
def debug_task(self, value: object = None) -> dict:
    """Echo a value with the worker's name: proves a worker takes and answers tasks."""
    return {"value": value, "worker": self.request.hostname}
