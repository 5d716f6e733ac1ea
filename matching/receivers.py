"""Keep the index and the stored matches in step with the marketplace."""
from django.dispatch import receiver

from marketplace import signals
from marketplace.models import Need
from matching import jobs, services
from matching.models import IndexState


def _index_built() -> bool:
    return IndexState.objects.filter(name=IndexState.SOLUTIONS, version__gt=0).exists()


@receiver(signals.solutions_changed)
def on_solutions_changed(sender, ids: list[int], **kwargs) -> None:
    if _index_built():  # before the first build there is nothing to update: build_index reads all
        jobs.enqueue(services.catalog_changed, solution_ids=ids)


@receiver(signals.needs_changed)
def on_needs_changed(sender, ids: list[int], **kwargs) -> None:
    if _index_built():
        jobs.enqueue(services.needs_changed, need_ids=ids)
