from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """The bottom layer. It keeps the label ``marketplace`` it had as the whole marketplace app, so
    its migrations, table names and ``AUTH_USER_MODEL = "marketplace.User"`` stay valid."""

    name = "marketplace.catalog"
    label = "marketplace"
    verbose_name = "供需对接市场 Marketplace"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .taxonomy import restore_reference_data

        # As Django's contenttypes and auth restore their rows after a flush, so does the taxonomy.
        post_migrate.connect(restore_reference_data, sender=self)
