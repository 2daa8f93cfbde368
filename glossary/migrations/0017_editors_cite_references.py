"""Editors keep the library of references: add and correct references, list them on terms.

Like terms, references are never deleted by editors (a reference cited by a term is
protected anyway); removing one from a term's list is part of editing the term.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
REFERENCE_PERMISSIONS = [
    "add_reference", "change_reference", "view_reference",
    "add_termreference", "change_termreference", "delete_termreference", "view_termreference",
]


def grant(apps, schema_editor):
    glossary = apps.get_app_config("glossary")
    glossary.models_module = True
    create_permissions(glossary, apps=apps, verbosity=0)
    glossary.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS).first()
    if group is None:
        return
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="glossary", codename__in=REFERENCE_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=EDITORS).first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(codename__in=REFERENCE_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0016_remove_free_text_references"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
