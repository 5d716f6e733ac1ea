from django.db import migrations

from marketplace.catalog.taxonomy import read_taxonomy, sync_reference_data


def load_reference_data(apps, schema_editor):
    sync_reference_data(lambda name: apps.get_model("marketplace", name), read_taxonomy())


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
