"""How many articles link to each term, stored (glossary.models.InboundLinks), filled in
from the existing links."""

import django.db.models.deletion
from django.db import migrations, models


def count_existing_links(apps, schema_editor):
    links = apps.get_model("glossary", "Term").linked_terms.through._meta.db_table
    counts = apps.get_model("glossary", "InboundLinks")._meta.db_table
    schema_editor.execute(
        f"INSERT INTO {counts} (term_id, count) "
        f"SELECT to_term_id, count(*) FROM {links} GROUP BY to_term_id"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0009_partner_slot"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboundLinks",
            fields=[
                (
                    "term",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="inbound_links",
                        serialize=False,
                        to="glossary.term",
                    ),
                ),
                ("count", models.PositiveIntegerField()),
            ],
        ),
        migrations.RunPython(count_existing_links, migrations.RunPython.noop),
    ]
