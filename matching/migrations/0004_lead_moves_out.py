"""Lead moves to the docking app (marketplace.docking); its table matching_lead stays as it is."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0003_ranking_settings'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Lead',
                ),
            ],
            database_operations=[],
        ),
    ]
