from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = _("Editorial")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import page_cache
        from editorial import signals, views, workflow  # noqa: F401
        from glossary import publications, versions

        # A term without a publication credits its authors as they are now.
        publications.credit_authors_with(workflow.credited_authors)

        # A profile lists published terms: any change of a public term moves LISTINGS.
        page_cache.register("editorial:person", stamps=(versions.LISTINGS, views.PEOPLE))
        page_cache.register("editorial:policy", stamps=(views.POLICY,))
