"""The four cookie categories with the site's wording, and the cookies the site itself sets."""

from django.conf import settings
from django.db import migrations

NECESSARY = (
    "These cookies make the site work and cannot be switched off: they protect forms against "
    "forgery, remember your cookie choices and, for staff only, keep you signed in."
)
ANALYTICS = (
    "Analytics cookies help us understand how visitors interact with our website, improving "
    "user experience and website performance."
)
PERSONALIZATION = (
    "Personalization cookies enable us to customize the content and features of our site based "
    "on your interactions, offering a more tailored experience."
)
MARKETING = (
    "This helps support our free resources through personalized marketing efforts and "
    "promotions."
)

CATEGORIES = [
    # varname, name, description, is_required, ordering
    ("necessary", "Strictly necessary", NECESSARY, True, 0),
    ("analytics", "Analytics", ANALYTICS, False, 10),
    ("personalization", "Personalization", PERSONALIZATION, False, 20),
    ("marketing", "Marketing", MARKETING, False, 30),
]


def _days(seconds):
    days = round(seconds / 86400)
    if days % 365 == 0 or days in (364,):
        years = max(1, round(days / 365))
        return "1 year" if years == 1 else f"{years} years"
    if days % 7 == 0:
        weeks = days // 7
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return f"{days} days"


def declared_cookies():
    return [
        (
            settings.CSRF_COOKIE_NAME,
            "Protects the forms on this site (including your cookie choices) against "
            "cross-site request forgery.",
            _days(settings.CSRF_COOKIE_AGE),
        ),
        (
            settings.COOKIE_CONSENT_NAME,
            "Remembers which cookie categories you allowed or refused, so we do not ask again "
            "on every page.",
            _days(settings.COOKIE_CONSENT_MAX_AGE),
        ),
        (
            settings.SESSION_COOKIE_NAME,
            "Keeps staff signed in to the editing area. Not set for readers.",
            f"{_days(settings.SESSION_COOKIE_AGE)}, or until you sign out",
        ),
        (
            "messages",
            "Carries a one-off confirmation message (for example \"saved\") to the next page "
            "in the editing area. Not set for readers.",
            "Until the next page is shown",
        ),
    ]


def create(apps, schema_editor):
    CookieGroup = apps.get_model("cookie_consent", "CookieGroup")
    Cookie = apps.get_model("cookie_consent", "Cookie")
    CookieDetails = apps.get_model("consent", "CookieDetails")
    groups = {}
    for varname, name, description, required, ordering in CATEGORIES:
        groups[varname], _ = CookieGroup.objects.update_or_create(
            varname=varname,
            defaults={
                "name": name,
                "description": description,
                "is_required": required,
                "is_deletable": not required,
                "ordering": ordering,
            },
        )
    for name, purpose, lifetime in declared_cookies():
        cookie, _ = Cookie.objects.update_or_create(
            cookiegroup=groups["necessary"],
            name=name,
            domain="",
            defaults={"description": purpose, "path": "/"},
        )
        CookieDetails.objects.update_or_create(
            cookie=cookie, defaults={"lifetime": lifetime, "storage": "cookie"}
        )


def remove(apps, schema_editor):
    CookieGroup = apps.get_model("cookie_consent", "CookieGroup")
    CookieGroup.objects.filter(varname__in=[row[0] for row in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_tracking_scripts_and_cookie_details"),
        ("cookie_consent", "0004_cookie_natural_key"),
    ]

    operations = [migrations.RunPython(create, remove)]
