from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = _("Editorial")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import page_cache
        from editorial import signals, views, workflow  # noqa: F401
        from editorial import transfer as editorial_transfer
        from glossary import publications, transfer, versions

        # A term without a publication credits its authors as they are now.
        publications.credit_authors_with(workflow.credited_authors)
        # People, authors and the workflow record travel in export_terms / import_terms.
        transfer.register(editorial_transfer.EXTENSION)

        # A profile lists published terms: any change of a public term moves LISTINGS.
        page_cache.register("editorial:person", stamps=(versions.LISTINGS, views.PEOPLE))
        page_cache.register("editorial:policy", stamps=(views.POLICY,))
