"""Declare "Recently viewed" (static/js/recent.js) as a localStorage key of personalization.

Declared, it is listed on /cookies/ and removed by consent.js when personalization is
withdrawn. Done here, not in the consent app: it is the glossary's own storage. A site
without the personalization category gets nothing (privacy staff can declare it).
"""

from django.db import migrations

KEY = "glossary.recent"
PURPOSE = (
    "Remembers the last terms you read on this site, in your browser only, to show "
    "“Recently viewed” and “Continue exploring” on the home page. Never sent to us."
)
LIFETIME = "Until you withdraw personalization or clear this site's data"


def declare(apps, schema_editor):
    CookieGroup = apps.get_model("cookie_consent", "CookieGroup")
    Cookie = apps.get_model("cookie_consent", "Cookie")
    CookieDetails = apps.get_model("consent", "CookieDetails")
    group = CookieGroup.objects.filter(varname="personalization").first()
    if group is None:
        return
    cookie, _ = Cookie.objects.update_or_create(
        cookiegroup=group, name=KEY, domain="", defaults={"description": PURPOSE, "path": "/"}
    )
    CookieDetails.objects.update_or_create(
        cookie=cookie, defaults={"lifetime": LIFETIME, "storage": "localStorage"}
    )


def undeclare(apps, schema_editor):
    apps.get_model("cookie_consent", "Cookie").objects.filter(
        cookiegroup__varname="personalization", name=KEY
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0007_term_views"),
        ("consent", "0002_categories_and_declared_cookies"),
    ]

    operations = [migrations.RunPython(declare, undeclare)]
