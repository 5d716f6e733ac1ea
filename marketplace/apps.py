from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "供需对接市场 Marketplace"

    def ready(self) -> None:
        from marketplace import receivers  # noqa: F401  (connects the model signal receivers)
