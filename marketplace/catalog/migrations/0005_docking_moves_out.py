"""Proposal and Notification move to the docking app (marketplace.docking). Their tables stay
as they are: only Django's state changes here, and docking 0001 takes them over."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('marketplace', '0004_docking'),
    ]

    operations = [
        # The audit trail keeps the proposal's id, without a foreign key to a model of a layer above.
        migrations.AlterField(
            model_name="auditevent",
            name="proposal",
            field=models.ForeignKey(
                blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="audit_events", to="marketplace.proposal", verbose_name="方案建议",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='proposal',
                    name='need',
                ),
                migrations.RemoveField(
                    model_name='proposal',
                    name='provider',
                ),
                migrations.RemoveField(
                    model_name='proposal',
                    name='solution',
                ),
                migrations.RemoveField(
                    model_name='auditevent',
                    name='proposal',
                ),
                migrations.AddField(
                    model_name='auditevent',
                    name='proposal_id',
                    field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name='方案建议'),
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='Proposal',
                ),
            ],
            database_operations=[],
        ),
    ]
