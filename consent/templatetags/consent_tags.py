"""Template API of the consent app.

- ``{% consent_config %}``: the JSON block consent.js reads (same for every visitor), after
  the Google Consent Mode defaults (``{% consent_mode %}``) when CONSENT_GOOGLE_TAG_ID is set.
- ``{% tracking_scripts "head" %}`` / ``{% tracking_scripts "body" %}``: inert scripts.
- ``{% consent_banner %}``: the banner, only while the visitor has categories undecided.
- ``{% consent_granted "marketing" as ok %}`` or ``{{ consent.marketing }}``: server-side gating.
- ``{% consent_embed url title provider %}``: a click-to-load placeholder for an iframe.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from consent import conf
from consent import state as consent_state
from consent.catalog import get_catalog
from consent.middleware import allow_frame_source
from consent.scripts import inline_code_is_safe

register = template.Library()


def script_messages() -> dict[str, str]:
    """What consent.js says, in the page's language: the script has no text of its own.
    ``{choices}`` and ``{category}`` are filled in by the script."""
    days = conf.max_age_days()
    return {
        "askedAgainExpired": ngettext(
            "Your last cookie choice is more than %(days)d day old, so we ask you again.",
            "Your last cookie choice is more than %(days)d days old, so we ask you again.",
            days,
        )
        % {"days": days},
        "askedAgainOutdated": gettext(
            "Our cookie policy has changed since you last chose, so we ask you again."
        ),
        "earlierChoices": gettext("Your earlier choices: %(choices)s.") % {"choices": "{choices}"},
        "categoryOn": gettext("%(category)s on") % {"category": "{category}"},
        "categoryOff": gettext("%(category)s off") % {"category": "{category}"},
        "keepEarlier": gettext("Keep my earlier choices"),
        "acceptedAll": gettext("You’ve accepted all cookies."),
        "rejectedOptional": gettext("You’ve rejected optional cookies."),
        "acceptedWithGpc": gettext(
            "You’ve accepted analytics cookies; marketing and personalization stay off "
            "because your browser sent a Global Privacy Control signal."
        ),
        "keptEarlier": gettext("You’ve kept your earlier choices."),
        "saved": gettext("Your cookie preferences were saved."),
        "embedFailed": gettext(
            "The content could not be loaded: your choice was not saved. Please try again."
        ),
    }


@register.simple_tag
def consent_mode() -> SafeString:
    """Google Consent Mode v2 defaults (static/js/consent-mode.js), only with a tag id."""
    tag_id = conf.google_tag_id()
    if not tag_id:
        return mark_safe("")
    return format_html(
        '<script src="{}" data-google-tag-id="{}"></script>', static("js/consent-mode.js"), tag_id
    )


@register.simple_tag
def consent_config() -> SafeString:
    """The JSON block consent.js reads, preceded by the Consent Mode defaults when set."""
    catalog = get_catalog()
    data = {
        "cookieName": settings.COOKIE_CONSENT_NAME,
        "maxCookieLength": consent_state.MAX_COOKIE_LENGTH,
        "clockSkewSeconds": int(consent_state.CLOCK_SKEW.total_seconds()),
        "policyVersion": catalog.policy_version,
        "textVersions": catalog.text_versions,
        "maxAgeDays": conf.max_age_days(),
        "gpcRefuses": list(conf.gpc_refuses()),
        "googleConsentMode": bool(conf.google_tag_id()),
        "acceptUrl": reverse("consent:accept"),
        "declineUrl": reverse("consent:decline"),
        "preferencesUrl": reverse("consent:preferences"),
        "categories": [
            {
                "varname": category.varname,
                "name": category.name,
                "required": category.required,
                "cookies": [
                    {"name": c.name, "path": c.path, "domain": c.domain}
                    for c in category.cookies
                    if c.storage == "cookie"
                ],
                "localStorage": [c.name for c in category.cookies if c.storage == "localStorage"],
            }
            for category in catalog.categories
        ],
    }
    return (
        consent_mode()
        + json_script(data, "consent-config")
        + json_script(script_messages(), "consent-messages")
    )


@register.simple_tag
def tracking_scripts(placement: str) -> SafeString:
    """Every enabled script of this placement, inert until consent.js activates it."""
    tags = []
    for script in get_catalog().scripts:
        if script.placement != placement:
            continue
        if script.src:
            tags.append(
                format_html(
                    '<script type="text/plain" data-consent-category="{}" '
                    'data-consent-src="{}" data-consent-name="{}"></script>',
                    script.category,
                    script.src,
                    script.name,
                )
            )
        elif inline_code_is_safe(script.code):
            # Raw text: a type="text/plain" script's content is not entity-decoded, so the
            # code must go out verbatim for its CSP hash to match (validated on save).
            tags.append(
                format_html(
                    '<script type="text/plain" data-consent-category="{}" '
                    'data-consent-name="{}">{}</script>',
                    script.category,
                    script.name,
                    mark_safe(script.code),
                )
            )
    return mark_safe("\n".join(tags))


@register.inclusion_tag("consent/banner.html", takes_context=True)
def consent_banner(context: template.Context) -> dict:
    request = context.get("request")
    show = (
        request is not None
        and not context.get("hide_consent_banner")
        and consent_state.for_request(request).needs_decision
    )
    return {
        "show": show,
        "request": request,
        "site_name": context.get("site_name", ""),
        "banner_text": get_catalog().banner_text if show else "",
    }


@register.simple_tag(takes_context=True)
def consent_granted(context: template.Context, varname: str) -> bool:
    request = context.get("request")
    return request is not None and consent_state.for_request(request).granted(varname)


@register.inclusion_tag("consent/embed.html", takes_context=True)
def consent_embed(
    context: template.Context,
    url: str,
    title: str,
    provider: str,
    category: str = "marketing",
) -> dict:
    """An iframe that loads only once ``category`` is granted; a placeholder says why until then."""
    parts = urlsplit(url)
    usable = parts.scheme == "https" and bool(parts.hostname)
    request = context.get("request")
    if usable and request is not None:
        allow_frame_source(request, f"https://{parts.netloc}")
    known = get_catalog().category(category)
    return {
        "url": url,
        "usable": usable,
        "title": title,
        "provider": provider,
        "category": category,
        "category_name": known.name if known else category,
    }
