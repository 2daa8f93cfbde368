"""The shipped editorial policy said every article is checked by a medical reviewer before
publication; articles from before the workflow, imports and articles Editors publish
directly are not, and their pages say "Not yet medically reviewed". The shipped text is
replaced by one that says so; a policy a publisher has edited is left as it is."""

import importlib

from django.db import migrations

SHIPPED = importlib.import_module("editorial.migrations.0003_default_policy").POLICY

POLICY = """Every article in this glossary is written by a named author. An article
published through our review workflow has been checked by a qualified medical reviewer
before publication, and its page says who reviewed it and when.

Some articles have not been through that review yet: articles from before the workflow,
imported articles and articles our editors published directly. Their pages say
**Not yet medically reviewed** and show no review date until a reviewer has checked them.
Each language version of an article is an article of its own: it is reviewed on its own
text, and says so on its own page.

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

Each reviewed article is reviewed again at least every 12 months (more often in
fast-moving fields). It shows when it was last reviewed, by whom, and when the next
review is due. Every published version stays readable at its own permanent address, so
a citation always leads to the text that was cited.

## Independence

Authors and reviewers declare their conflicts of interest on their profile pages.
Advertising and partners have no say in what we publish.
"""


def replace(old: str, new: str):
    def run(apps, schema_editor):
        apps.get_model("editorial", "EditorialPolicy").objects.filter(body=old).update(body=new)

    return run


class Migration(migrations.Migration):
    dependencies = [("editorial", "0004_translatable_labels")]

    operations = [migrations.RunPython(replace(SHIPPED, POLICY), replace(POLICY, SHIPPED))]
