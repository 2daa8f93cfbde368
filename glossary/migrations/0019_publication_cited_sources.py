"""A publication keeps the sources its references list shows (``cited_sources``), so the
term page's JSON-LD names the citations of the version readers see while an edit waits
for review (docs/citations.md).

Existing publications take their term's current sources where those are the ones the
publication shows: its stored references list is the term's, character for character.
Otherwise (the list changed since) the publication keeps none, and its JSON-LD names no
citations rather than ones its list does not show, until the term is published again.
"""

from django.db import migrations, models

BATCH = 500


def copy_the_terms_sources(apps, schema_editor):
    Publication = apps.get_model("glossary", "Publication")
    same_list = Publication.objects.filter(references_html=models.F("term__references_html"))
    ids = list(same_list.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        rows = list(
            Publication.objects.filter(pk__in=ids[start : start + BATCH])
            .select_related("term")
            .only("pk", "term__cited_sources")
        )
        for row in rows:
            row.cited_sources = row.term.cited_sources
        Publication.objects.bulk_update(rows, ["cited_sources"])


class Migration(migrations.Migration):
    dependencies = [("glossary", "0018_languages")]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="cited_sources",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(copy_the_terms_sources, migrations.RunPython.noop),
    ]
