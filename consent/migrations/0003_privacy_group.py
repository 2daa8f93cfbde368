"""The "Privacy" group: the only non-superusers who manage categories, cookies and scripts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = {
    "cookie_consent": ["cookiegroup", "cookie"],
    "consent": ["trackingscript", "cookiedetails"],
}


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make sure
    # the ones we grant exist now.
    for label in MODELS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Privacy")
    # Exactly the four default permissions of each model (never a custom one such as
    # consent.change_script_code, which only superusers hold: see 0004).
    permissions = Permission.objects.filter(
        content_type__app_label__in=list(MODELS),
        codename__in=[
            f"{action}_{model}"
            for models in MODELS.values()
            for model in models
            for action in ("add", "change", "delete", "view")
        ],
    )
    wanted = [
        permission
        for permission in permissions
        if permission.content_type.model in MODELS[permission.content_type.app_label]
    ]
    group.permissions.add(*wanted)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Privacy").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_categories_and_declared_cookies"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
