"""The Celery application, as cookiecutter-django sets it up: configuration from Django's settings
(the ``CELERY_`` names in ``config/settings/base.py``), tasks from each app's ``tasks.py``.

Start a worker with ``celery -A config worker`` (README "Running in production").
"""
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(bind=True)
def debug_task(self, value: object = None) -> dict:
    """Echo a value with the worker's name: proves a worker takes and answers tasks."""
    return {"value": value, "worker": self.request.hostname}


@worker_ready.connect
def sweep_on_start(sender, **_kwargs) -> None:
    """A starting worker queues everything pending (``matching_sweep``): work lost with a killed
    worker, a broker outage or a crash between a commit and its enqueue is done now."""
    from django.conf import settings

    if settings.MATCHING.get("JOBS") != "celery":  # the jobs do not go through Celery: nothing to sweep for
        return
    queues = list(sender.app.amqp.queues.consume_from or ())
    sender.app.send_task("marketplace.docking.tasks.sweep", queue=queues[0] if queues else None)
