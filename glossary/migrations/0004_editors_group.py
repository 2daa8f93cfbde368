"""The "Editors" group: writes and publishes terms and categories, uploads images.

Editors cannot delete terms or categories, manage users, or touch the consent app.
Permissions are created here first, because Django only creates them after all
migrations have run (post_migrate), which is too late for a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
EDITOR_PERMISSIONS = [
    ("glossary", "add_term"),
    ("glossary", "change_term"),
    ("glossary", "view_term"),
    ("glossary", "upload_image"),
    ("glossary", "add_category"),
    ("glossary", "change_category"),
    ("glossary", "view_category"),
    ("glossary", "view_retiredslug"),
]


def create_editors(apps, schema_editor):
    glossary = apps.get_app_config("glossary")
    glossary.models_module = True
    create_permissions(glossary, apps=apps, verbosity=0)
    glossary.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    for app_label, codename in EDITOR_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0003_editing"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
