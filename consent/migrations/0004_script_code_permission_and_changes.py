"""Adding or changing a script's code is code execution: a permission only superusers hold.

The Privacy group keeps categories, declared cookies and switching scripts on and off,
and may read the record of script changes; it does not get ``change_script_code``.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def privacy_group_reads_changes(apps, schema_editor):
    app_config = apps.get_app_config("consent")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Privacy").first()
    if group is None:
        return
    consent = Permission.objects.filter(content_type__app_label="consent")
    group.permissions.remove(*consent.filter(codename="change_script_code"))
    group.permissions.add(*consent.filter(codename="view_trackingscriptchange"))


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0003_privacy_group"),
        ("core", "0001_stamps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="trackingscript",
            options={
                "ordering": ["order", "pk"],
                "permissions": [
                    (
                        "change_script_code",
                        "Can add scripts or change their URL, code, category or placement",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TrackingScriptChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("script_name", models.CharField(max_length=100)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("added", "Added"),
                            ("changed", "Changed"),
                            ("deleted", "Deleted"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "changed_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                (
                    "changed_by_name",
                    models.CharField(
                        help_text="The admin user, or how the change was made.",
                        max_length=150,
                        verbose_name="by",
                    ),
                ),
                ("before", models.JSONField(blank=True, null=True)),
                ("after", models.JSONField(blank=True, null=True)),
                (
                    "changed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "script",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty once the script is deleted.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="changes",
                        to="consent.trackingscript",
                    ),
                ),
            ],
            options={
                "verbose_name": "tracking script change",
                "ordering": ["-changed_at", "-pk"],
            },
        ),
        migrations.RunPython(privacy_group_reads_changes, migrations.RunPython.noop),
    ]
