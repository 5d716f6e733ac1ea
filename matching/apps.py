from django.apps import AppConfig


class MatchingConfig(AppConfig):
    """The middle layer. Nothing loads here: the model and the index load lazily on first use."""

    name = "matching"
    verbose_name = "智能匹配 Matching"

    def ready(self) -> None:
        from django.core.signals import request_started

        from matching import jobs

        request_started.connect(jobs.start_sweeper, dispatch_uid="matching-sweeper")
