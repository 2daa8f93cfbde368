"""A first editorial policy, so /editorial-policy/ (linked from every term) exists; edit it in
Admin → Editorial → Editorial policy."""

from django.db import migrations

POLICY = """Every article in this glossary is written by a named author and checked by a
qualified medical reviewer before it is published.

## How an article is made

1. **Writing.** An author drafts the article from published evidence and lists the
   sources under References.
2. **Medical review.** A reviewer with relevant clinical or research credentials checks
   every health claim against its sources. They approve the article or ask for changes;
   they never review an article they wrote.
3. **Publication.** A publisher makes the approved version public. A change after
   approval goes public only after a new review; until then readers see the version
   that was reviewed. Corrections that change no medical content (a typo, a broken
   link) may be published without a new review, and are marked as such in the
   article's changelog.

## Keeping articles current

Each article is reviewed again at least every 12 months (more often in fast-moving
fields). The article shows when it was last reviewed, by whom, and when the next review
is due. Every published version stays readable at its own permanent address, so a
citation always leads to the text that was cited.

## Independence

Authors and reviewers declare their conflicts of interest on their profile pages.
Advertising and partners have no say in what we publish.
"""


def create_policy(apps, schema_editor):
    EditorialPolicy = apps.get_model("editorial", "EditorialPolicy")
    if not EditorialPolicy.objects.exists():
        EditorialPolicy.objects.create(title="Editorial policy", body=POLICY)


class Migration(migrations.Migration):
    dependencies = [("editorial", "0002_editorial_groups")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
