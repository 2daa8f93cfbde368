"""Consent tallies: the decisions the report reads, one row per day, method, policy
version, action and choices; the records already stored are counted here."""

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncDate

ERASED = "erased"


def count_existing_records(apps, schema_editor):
    ConsentRecord = apps.get_model("consent", "ConsentRecord")
    ConsentTally = apps.get_model("consent", "ConsentTally")
    grouped = (
        ConsentRecord.objects.exclude(action=ERASED)
        .annotate(day=TruncDate("decided_at"))
        .order_by()
        .values("day", "method", "policy_version", "action", "choices")
        .annotate(times=Count("pk"))
        .iterator(chunk_size=5000)
    )
    merged = {}
    for row in grouped:
        choices = tuple(sorted(row["choices"].items()))
        key = (row["day"], row["method"], row["policy_version"], row["action"], choices)
        merged[key] = merged.get(key, 0) + row["times"]
    ConsentTally.objects.bulk_create(
        (
            ConsentTally(
                day=day, method=method, policy_version=version, action=action,
                choices=dict(choices), count=times,
            )
            for (day, method, version, action, choices), times in merged.items()
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0008_consent_report'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConsentTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('method', models.CharField(max_length=20)),
                ('policy_version', models.CharField(max_length=16)),
                ('action', models.CharField(max_length=16)),
                ('choices', models.JSONField(default=dict)),
                ('count', models.PositiveBigIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'consent tally',
                'constraints': [models.UniqueConstraint(fields=('day', 'method', 'policy_version', 'action', 'choices'), name='consent_tally_once')],
            },
        ),
        migrations.RunPython(count_existing_records, migrations.RunPython.noop),
    ]
