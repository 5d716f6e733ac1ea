"""Model-level writes (admin, shell, API services) announce themselves the same way imports do:
once per transaction, after it commits, with every id it touched."""
import threading

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from marketplace import models, signals

_pending = threading.local()


def _announce(signal: Signal, model: type, ids: list[int]) -> None:
    # Every write registers a flush, and the first flush after a commit sends all pending ids;
    # later flushes find nothing. Ids left by a rolled-back transaction ride along with the next
    # commit, which is harmless: receivers re-read the database, the source of truth.
    batches: dict[Signal, tuple[type, set[int]]] = _pending.__dict__.setdefault("batches", {})
    batches.setdefault(signal, (model, set()))[1].update(ids)
    transaction.on_commit(lambda: _flush(signal))


def _flush(signal: Signal) -> None:
    model, ids = _pending.batches.pop(signal, (None, set()))
    if ids:
        signal.send(sender=model, ids=sorted(ids))


@receiver(post_save, sender=models.Solution)
@receiver(post_delete, sender=models.Solution)
def solution_written(sender, instance: models.Solution, **kwargs) -> None:
    _announce(signals.solutions_changed, models.Solution, [instance.pk])


@receiver(m2m_changed, sender=models.Solution.industries.through)
@receiver(m2m_changed, sender=models.Solution.regions_served.through)
@receiver(m2m_changed, sender=models.Solution.case_industries.through)
def solution_links_written(sender, instance, action: str, **kwargs) -> None:
    if action.startswith("post_") and isinstance(instance, models.Solution):
        _announce(signals.solutions_changed, models.Solution, [instance.pk])


@receiver(post_save, sender=models.Provider)
def provider_written(sender, instance: models.Provider, created: bool, **kwargs) -> None:
    if not created:  # the provider's name, place and tier are part of its solutions' facts
        _announce(signals.solutions_changed, models.Solution, list(instance.solutions.values_list("pk", flat=True)))


@receiver(post_save, sender=models.Need)
def need_written(sender, instance: models.Need, **kwargs) -> None:
    _announce(signals.needs_changed, models.Need, [instance.pk])
