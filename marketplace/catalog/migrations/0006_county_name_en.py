from django.db import migrations, models

from marketplace.catalog.taxonomy import read_taxonomy, sync_county_names_en, sync_reference_data


def load_english_place_names(apps, schema_editor):
    """Cities and counties get their English names from taxonomy.json's ``regions_en``."""
    get_model = lambda name: apps.get_model("marketplace", name)  # noqa: E731
    taxonomy = read_taxonomy()
    sync_reference_data(get_model, taxonomy)
    sync_county_names_en(get_model, taxonomy)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0005_docking_moves_out")]

    operations = [
        migrations.AddField(model_name="county", name="name_en", field=models.CharField(blank=True, max_length=48)),
        migrations.RunPython(load_english_place_names, migrations.RunPython.noop),
    ]
