"""Blocked-request reports (``consent.csp_reports``): per day, directive and origin, a count.

The Privacy group may view them (nobody adds, changes or deletes them: the report endpoint
writes them); editors get nothing.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def privacy_group_views_blocked_requests(apps, schema_editor):
    app_config = apps.get_app_config("consent")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name="Privacy").first()
    if group is None:
        return
    Permission = apps.get_model("auth", "Permission")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consent", codename="view_blockedrequest"
        )
    )


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0006_tracker_audits'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='BlockedRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('directive', models.CharField(max_length=32, verbose_name='effective directive')),
                ('origin', models.CharField(help_text="scheme://host[:port], or inline, eval, data…; 'other' past the day's bound.", max_length=300, verbose_name='blocked origin')),
                ('count', models.PositiveBigIntegerField(default=0)),
                ('first_seen', models.DateTimeField()),
                ('last_seen', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'blocked request',
                'verbose_name_plural': 'blocked requests',
                'ordering': ['-day', '-count'],
                'constraints': [models.UniqueConstraint(fields=('day', 'directive', 'origin'), name='consent_blocked_once_per_day')],
            },
        ),
        migrations.RunPython(privacy_group_views_blocked_requests, migrations.RunPython.noop),
    ]
