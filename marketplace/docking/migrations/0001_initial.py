"""Lead (from matching), Proposal and Notification (from marketplace) join the docking app: the
state takes over the existing tables (the models name them in db_table), no row is copied, and
the content types (admin history, permissions) follow their models."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = {("marketplace", "proposal"), ("marketplace", "notification"), ("matching", "lead")}


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, model in MOVED:
        ContentType.objects.filter(app_label=app_label, model=model).update(app_label="docking")


def content_types_stay(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, model in MOVED:
        ContentType.objects.filter(app_label="docking", model=model).update(app_label=app_label)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('matching', '0004_lead_moves_out'),
        ('marketplace', '0005_docking_moves_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Proposal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('price_quote', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='报价(元)')),
                        ('weeks', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(260)], verbose_name='上线周期(周)')),
                        ('message', models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='留言')),
                        ('status', models.CharField(choices=[('submitted', '待答复'), ('accepted', '已接受'), ('declined', '已婉拒'), ('withdrawn', '已撤回')], default='submitted', max_length=16, verbose_name='状态')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='答复时间')),
                        ('need', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='proposals', to='marketplace.need', verbose_name='需求')),
                        ('provider', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='proposals', to='marketplace.provider', verbose_name='服务商')),
                        ('solution', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='proposals', to='marketplace.solution', verbose_name='解决方案')),
                    ],
                    options={
                        'verbose_name': '方案建议',
                        'verbose_name_plural': '方案建议',
                        'db_table': 'marketplace_proposal',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('new_lead', '新线索'), ('new_proposal', '新方案建议'), ('proposal_accepted', '方案建议被接受'), ('proposal_declined', '方案建议被婉拒')], max_length=32, verbose_name='类型')),
                        ('params', models.JSONField(blank=True, default=dict, verbose_name='参数')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='创建时间')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='阅读时间')),
                        ('need', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='marketplace.need', verbose_name='需求')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
                        ('proposal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='docking.proposal', verbose_name='方案建议')),
                    ],
                    options={
                        'verbose_name': '通知',
                        'verbose_name_plural': '通知',
                        'db_table': 'marketplace_notification',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Lead',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('score', models.FloatField(verbose_name='匹配分')),
                        ('month', models.DateField(help_text='线索所属月份（当月1日）', verbose_name='月份')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('need', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leads', to='marketplace.need', verbose_name='需求')),
                        ('provider', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leads', to='marketplace.provider', verbose_name='服务商')),
                        ('solution', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='marketplace.solution', verbose_name='匹配方案')),
                    ],
                    options={
                        'verbose_name': '线索',
                        'verbose_name_plural': '线索',
                        'db_table': 'matching_lead',
                        'ordering': ['-score'],
                        'constraints': [models.UniqueConstraint(fields=('need', 'provider'), name='lead_unique_need_provider')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='proposal',
                    constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['submitted', 'accepted'])), fields=('need', 'provider'), name='proposal_one_live_per_provider'),
                ),
                migrations.AddConstraint(
                    model_name='proposal',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'accepted')), fields=('need',), name='proposal_one_accepted_per_need'),
                ),
                migrations.AddConstraint(
                    model_name='proposal',
                    constraint=models.CheckConstraint(condition=models.Q(('price_quote__gt', 0)), name='proposal_price_positive'),
                ),
                migrations.AddConstraint(
                    model_name='proposal',
                    constraint=models.CheckConstraint(condition=models.Q(('weeks__gt', 0), ('weeks__lte', 260)), name='proposal_weeks_range'),
                ),
                migrations.AddConstraint(
                    model_name='proposal',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['submitted', 'accepted', 'declined', 'withdrawn'])), name='proposal_status_valid'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['user', 'read_at'], name='notification_user_unread'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_stay),
    ]
