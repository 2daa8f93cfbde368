"""Each line of a term's free-text references becomes an unstructured library reference.

Lossless: the line is kept exactly as written (in `text`), listed on its term in the same
order, and the page shows it as before until an editor structures it. A line that several
terms share (the same paper) becomes one reference listed on each of them. Keys are
`ref-<term slug>-<n>` for the term that first had the line. Reversing writes the lines
back, so a rollback loses nothing either.
"""

from django.db import migrations

LIST_MARKERS = "-*"


def free_text_lines(text):
    """The lines that the renderer showed as list items (blank lines never were)."""
    return [line for line in (text or "").splitlines() if line.strip().lstrip(LIST_MARKERS).strip()]


def unused_key(base, number, keys):
    """ref-<slug>-<n>; a long slug cut short could repeat, so the number moves on."""
    while f"{base}-{number}" in keys:
        number += 1000
    keys.add(f"{base}-{number}")
    return f"{base}-{number}"


def to_unstructured(apps, schema_editor):
    Term = apps.get_model("glossary", "Term")
    Reference = apps.get_model("glossary", "Reference")
    TermReference = apps.get_model("glossary", "TermReference")
    by_text = {}
    listed = []
    keys = set(Reference.objects.values_list("key", flat=True))
    for term in Term.objects.exclude(references="").order_by("pk").iterator(chunk_size=2000):
        shown = []
        for position, line in enumerate(free_text_lines(term.references), start=1):
            reference = by_text.get(line)
            if reference is None:
                reference = Reference.objects.create(
                    key=unused_key(f"ref-{term.slug}"[:70], position, keys),
                    kind="unstructured",
                    text=line,
                )
                by_text[line] = reference
            listed.append(TermReference(term_id=term.pk, reference=reference, position=position))
            if all(item["key"] != reference.key for item in shown):  # a line given twice
                shown.append({"key": reference.key, "kind": "unstructured", "text": line})
        # The page keeps its stored list (the same items); its JSON-LD learns them now.
        Term.objects.filter(pk=term.pk).update(cited_sources=shown)
    TermReference.objects.bulk_create(listed, batch_size=2000, ignore_conflicts=True)


def to_free_text(apps, schema_editor):
    Term = apps.get_model("glossary", "Term")
    TermReference = apps.get_model("glossary", "TermReference")
    lines = {}
    rows = TermReference.objects.select_related("reference").order_by("term_id", "position", "pk")
    for row in rows:
        reference = row.reference
        lines.setdefault(row.term_id, []).append(reference.text or reference.title)
    for term_id, term_lines in lines.items():
        Term.objects.filter(pk=term_id).update(references="\n".join(term_lines))


class Migration(migrations.Migration):

    dependencies = [
        ('glossary', '0014_references'),
    ]

    operations = [
        migrations.RunPython(to_unstructured, to_free_text),
    ]
