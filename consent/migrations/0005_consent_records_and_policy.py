"""Proof of consent (ConsentRecord) and the editable policy (PolicySettings).

The Privacy group may view records (never add, change or delete them: old ones go with
``prune_consent_records``) and edit the banner text. On PostgreSQL the category choices
get a GIN index, so the admin's "category granted/refused" filter (``@>``) uses it.
"""

from django.contrib.auth.management import create_permissions

import django.utils.timezone
from django.db import migrations, models


GIN_INDEX = "consent_record_choices_gin"


def add_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON consent_consentrecord "
            "USING gin (choices jsonb_path_ops)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


PRIVACY_PERMISSIONS = ("view_consentrecord", "view_policysettings", "change_policysettings")


def privacy_group_reads_records(apps, schema_editor):
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
            content_type__app_label="consent", codename__in=PRIVACY_PERMISSIONS
        )
    )


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0004_script_code_permission_and_changes'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='PolicySettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('banner_text', models.TextField(default='We use cookies to personalize content and marketing, and to analyze our traffic. This helps us maintain the quality of our free resources. Manage your preferences below.', help_text='Plain text shown in the cookie banner. Changing it asks every visitor again.')),
                ('material_changes', models.PositiveIntegerField(default=0, editable=False, help_text='How many times privacy staff declared a material change of the policy.')),
                ('material_changed_at', models.DateTimeField(blank=True, editable=False, null=True)),
            ],
            options={
                'verbose_name': 'cookie policy',
                'verbose_name_plural': 'cookie policy',
            },
        ),
        migrations.CreateModel(
            name='ConsentRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('consent_id', models.CharField(max_length=32, unique=True, verbose_name='consent id')),
                ('decided_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('action', models.CharField(choices=[('accept_all', 'Accept all'), ('reject_all', 'Reject all'), ('save', 'Save preferences'), ('grant', 'Grant a category'), ('refuse', 'Refuse a category'), ('withdraw', 'Withdrawal'), ('gpc', 'Global Privacy Control signal')], max_length=16)),
                ('method', models.CharField(choices=[('banner', 'Banner'), ('banner_no_js', 'Banner (no-JS form)'), ('preferences', 'Preferences page'), ('preferences_no_js', 'Preferences page (no-JS form)'), ('embed', 'Embed placeholder'), ('gpc', 'GPC signal')], max_length=20)),
                ('reason', models.CharField(choices=[('first', 'First decision'), ('change', 'Changed a current decision'), ('policy', 'Re-asked: policy changed'), ('expired', 'Re-asked: decision expired')], default='first', max_length=10)),
                ('policy_version', models.CharField(max_length=16)),
                ('choices', models.JSONField(default=dict)),
                ('gpc', models.BooleanField(default=False, help_text='The browser sent Global Privacy Control.', verbose_name='GPC signal')),
            ],
            options={
                'verbose_name': 'consent record',
                'ordering': ['-decided_at', '-pk'],
                'indexes': [models.Index(fields=['decided_at'], name='consent_record_time'), models.Index(fields=['action', 'decided_at'], name='consent_record_action_time')],
            },
        ),
        migrations.RunPython(add_gin_index, drop_gin_index),
        migrations.RunPython(privacy_group_reads_records, migrations.RunPython.noop),
    ]
