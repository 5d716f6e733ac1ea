from django.apps import AppConfig


class DockingConfig(AppConfig):
    """The top layer: leads, proposals, notifications and the pages and APIs of the workflow."""

    name = "marketplace.docking"
    label = "docking"
    verbose_name = "供需对接 Docking"

    def ready(self) -> None:
        from matching import jobs

        from .services import sync

        jobs.register_sweep(sync.sweep)
