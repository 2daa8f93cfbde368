"""The full-text search index: SQLite FTS5 tables and triggers, or a PostgreSQL
weighted tsvector with GIN and trigram indexes (see glossary/search_index.py).

Only database objects Django's model state does not know about: each vendor gets
its own, and the operations are no-ops on the other one.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

from glossary import search_index


def create_index(apps, schema_editor):
    search_index.create_search_index(schema_editor.connection)


def drop_index(apps, schema_editor):
    search_index.drop_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("glossary", "0001_initial")]

    operations = [
        # CREATE EXTENSION on PostgreSQL, nothing on other databases.
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
