from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "智能匹配 Matching"

    def ready(self) -> None:
        # Connect receivers only: the model and the index load lazily on first use.
        from matching import receivers  # noqa: F401
