"""Consent rates (Admin → Consent → Report): a proxy of the records with its own view
permission, which the Privacy group holds (editors do not)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def privacy_group_views_report(apps, schema_editor):
    app_config = apps.get_app_config("consent")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name="Privacy").first()
    if group is None:
        return
    Permission = apps.get_model("auth", "Permission")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="consent", codename="view_report")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0007_csp_reports'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='Report',
            fields=[
            ],
            options={
                'verbose_name': 'report',
                'verbose_name_plural': 'report',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('consent.consentrecord',),
        ),
        migrations.RunPython(privacy_group_views_report, migrations.RunPython.noop),
    ]
