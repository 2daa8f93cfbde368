"""Tracker audits (``manage.py audit_trackers``): the stored summary of each run.

Privacy staff may view them (nobody adds, changes or deletes them in the admin: the command
writes them); editors get nothing.
"""

from django.contrib.auth.management import create_permissions

import django.utils.timezone
from django.db import migrations, models


def privacy_group_views_audits(apps, schema_editor):
    app_config = apps.get_app_config("consent")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name="Privacy").first()
    if group is None:
        return
    Permission = apps.get_model("auth", "Permission")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="consent", codename="view_trackeraudit")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0005_consent_records_and_policy'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='TrackerAudit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ran_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='when')),
                ('base_url', models.CharField(max_length=500, verbose_name='base URL')),
                ('duration_seconds', models.FloatField(default=0)),
                ('pages', models.JSONField(default=list)),
                ('passes', models.JSONField(default=list)),
                ('undeclared', models.PositiveIntegerField(default=0)),
                ('early', models.PositiveIntegerField(default=0, verbose_name='before consent')),
                ('longer_lived', models.PositiveIntegerField(default=0, verbose_name='longer lived')),
                ('third_party', models.PositiveIntegerField(default=0, verbose_name='other origin without consent')),
                ('findings', models.JSONField(default=list)),
                ('exit_status', models.PositiveSmallIntegerField(default=0, help_text='0 clean, 1 findings that fail the audit, 2 a pass could not run.')),
            ],
            options={
                'verbose_name': 'tracker audit',
                'verbose_name_plural': 'tracker audits',
                'ordering': ['-ran_at', '-pk'],
            },
        ),
        migrations.RunPython(privacy_group_views_audits, migrations.RunPython.noop),
    ]
