# The free text is in unstructured references now (0014); the field goes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('glossary', '0015_free_text_references'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='term',
            name='references',
        ),
    ]
