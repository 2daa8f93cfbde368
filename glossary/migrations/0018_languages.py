"""Terms in several languages (docs/translations.md): a language per term and per retired
address, names and slugs unique per language, versions of one concept sharing `concept`,
a translation's source and the source text version it was made from. Existing rows become
English, each its own concept. The search index is rebuilt for the per-language layout.
"""

import uuid

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

import glossary.models
from glossary import search_index


def distinct_concepts(apps, schema_editor):
    """Every existing term is a concept of its own (one statement, not one per row)."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        statement = "UPDATE glossary_term SET concept = md5(random()::text || id::text)::uuid"
    elif connection.vendor == "sqlite":
        statement = "UPDATE glossary_term SET concept = lower(hex(randomblob(16)))"
    else:
        Term = apps.get_model("glossary", "Term")
        for pk in Term.objects.values_list("pk", flat=True):
            Term.objects.filter(pk=pk).update(concept=uuid.uuid4())
        return
    with connection.cursor() as cursor:
        cursor.execute(statement)


def rebuild_search_index(apps, schema_editor):
    search_index.drop_search_index(schema_editor.connection)
    search_index.create_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0017_editors_cite_references"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="term",
            name="term_title_unique_ci",
        ),
        migrations.RemoveIndex(
            model_name="term",
            name="term_letter_visible_idx",
        ),
        migrations.RemoveIndex(
            model_name="term",
            name="term_recent_visible_idx",
        ),
        migrations.AddField(
            model_name="retiredslug",
            name="language",
            field=models.CharField(
                choices=glossary.models.language_choices,
                default=glossary.models.default_language,
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="term",
            name="concept",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(distinct_concepts, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="term",
            name="concept",
            field=models.UUIDField(db_index=True, default=uuid.uuid4, editable=False),
        ),
        migrations.AddField(
            model_name="term",
            name="content_version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name="term",
            name="language",
            field=models.CharField(
                choices=glossary.models.language_choices,
                db_index=True,
                default=glossary.models.default_language,
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="term",
            name="source_version",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="term",
            name="translation_of",
            field=models.ForeignKey(
                blank=True,
                help_text="The article this one was translated from (same concept, another language).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="translations",
                to="glossary.term",
            ),
        ),
        migrations.AlterField(
            model_name="retiredslug",
            name="slug",
            field=models.SlugField(max_length=220),
        ),
        migrations.AlterField(
            model_name="term",
            name="slug",
            field=models.SlugField(help_text="Unique within the term's language.", max_length=220),
        ),
        migrations.AddIndex(
            model_name="term",
            index=models.Index(
                fields=["language", "letter", "sort_title", "status", "published_at"],
                name="term_lang_letter_visible_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="term",
            index=models.Index(
                fields=["language", "-updated_at", "status", "published_at"],
                name="term_lang_recent_visible_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="term",
            index=models.Index(fields=["language", "sort_title", "id"], name="term_lang_sort_idx"),
        ),
        migrations.AddConstraint(
            model_name="retiredslug",
            constraint=models.UniqueConstraint(
                fields=("language", "slug"), name="retiredslug_language_slug"
            ),
        ),
        migrations.AddConstraint(
            model_name="term",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("title"),
                models.F("language"),
                name="term_title_unique_ci",
            ),
        ),
        migrations.AddConstraint(
            model_name="term",
            constraint=models.UniqueConstraint(
                fields=("language", "slug"), name="term_language_slug_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="term",
            constraint=models.UniqueConstraint(
                fields=("concept", "language"), name="term_concept_language_unique"
            ),
        ),
        migrations.RunPython(rebuild_search_index, migrations.RunPython.noop, elidable=False),
    ]
