"""The workflow's roles as groups: Writers, Medical reviewers, Publishers.

Permissions are created here first: Django creates them only after all migrations have
run (post_migrate), too late for a fresh database (as glossary 0004 does for Editors).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Writers": [
        ("glossary", "add_term"),
        ("glossary", "change_term"),
        ("glossary", "view_term"),
        ("glossary", "upload_image"),
        ("glossary", "view_category"),
        ("editorial", "submit_term"),
        ("editorial", "view_termworkflow"),
        ("editorial", "view_person"),
        ("editorial", "add_authorship"),
        ("editorial", "change_authorship"),
        ("editorial", "delete_authorship"),
        ("editorial", "view_authorship"),
    ],
    "Medical reviewers": [
        ("glossary", "view_term"),
        ("glossary", "view_category"),
        ("editorial", "review_term"),
        ("editorial", "view_termworkflow"),
        ("editorial", "view_person"),
        ("editorial", "view_authorship"),
    ],
    "Publishers": [
        ("glossary", "view_term"),
        ("glossary", "view_category"),
        ("glossary", "change_category"),
        ("editorial", "publish_term"),
        ("editorial", "view_termworkflow"),
        ("editorial", "add_person"),
        ("editorial", "change_person"),
        ("editorial", "view_person"),
        ("editorial", "view_authorship"),
        ("editorial", "add_editorialpolicy"),
        ("editorial", "change_editorialpolicy"),
        ("editorial", "view_editorialpolicy"),
    ],
}


# The Editors group (glossary 0004, publishing directly) names a term's authors too.
EDITORS_EXTRA = [
    ("editorial", "add_authorship"),
    ("editorial", "change_authorship"),
    ("editorial", "delete_authorship"),
    ("editorial", "view_authorship"),
    ("editorial", "view_person"),
]


def create_roles(apps, schema_editor):
    for label in ("glossary", "editorial"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Editors"):
        for app_label, codename in EDITORS_EXTRA:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    for name, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in permissions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("glossary", "0013_publications"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
