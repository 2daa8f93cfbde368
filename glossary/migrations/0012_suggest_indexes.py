"""The indexes title suggestions are answered from (see glossary/search_index.py): on
SQLite a suggest index on glossary_term; on PostgreSQL a suggest index and an index of the
words as written on the names table, and the title words in order. A database migrated
while suggestions were answered from memory has none of them; a new one has them from
0002 already, and nothing happens.
"""

from django.db import migrations

from glossary import search_index


def create_indexes(apps, schema_editor):
    search_index.create_suggest_indexes(schema_editor.connection)


def drop_indexes(apps, schema_editor):
    search_index.drop_suggest_indexes(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("glossary", "0011_term_page_token")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
