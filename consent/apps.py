from __future__ import annotations

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    # Upstream cookie_consent already shows "Cookie consent" (its groups and cookies).
    verbose_name = _("Consent and tracking")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cookie_consent.models import Cookie, CookieGroup
        from django.core import checks

        # report: counts each decision into the tallies (a post_save receiver).
        from consent import (
            audit,
            catalog,
            compliance,
            conf,
            hosts,
            page_cache_keys,
            signals,
        )
        from consent.models import (
            CategoryText,
            ConsentText,
            CookieDetails,
            CookieText,
            PolicySettings,
            TrackingScript,
        )

        # gunicorn runs no system checks: a consent lifetime over the limit stops startup.
        for error in conf.check_settings():
            if error.id == "consent.E010":
                raise ImproperlyConfigured(error.msg)

        # post_save also fires for loaddata's raw saves, which upstream's save() misses.
        for model in (
            CookieGroup,
            Cookie,
            CookieDetails,
            TrackingScript,
            PolicySettings,
            ConsentText,
            CategoryText,
            CookieText,
        ):
            uid = f"consent-catalog-{model._meta.label_lower}"
            post_save.connect(catalog.on_model_change, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(catalog.on_model_change, sender=model, dispatch_uid=f"{uid}-del")
        signals.scripts_changed.connect(
            catalog.on_model_change, dispatch_uid="consent-catalog-bulk"
        )
        # Data migrations use historical models, whose saves the receivers above never see.
        # Sent once per app after every migrate/flush; ours is enough.
        post_migrate.connect(
            catalog.on_model_change, sender=self, dispatch_uid="consent-catalog-migrate"
        )
        audit.connect()
        page_cache_keys.register()
        checks.register(hosts.check_settings, checks.Tags.security, deploy=False)
        checks.register(conf.check_settings)
        checks.register(compliance.check_declarations)
