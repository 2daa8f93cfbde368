# Placeholder for the full-text search index (SQLite FTS5 / PostgreSQL search vector).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("glossary", "0001_initial")]
    operations = []
