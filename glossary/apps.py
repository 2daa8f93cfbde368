from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GlossaryConfig(AppConfig):
    name = "glossary"
    verbose_name = _("Glossary")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from core import page_cache
        from glossary import (  # noqa: F401
            planner,
            publication_transfer,
            schedule,
            search_index,
            signals,
            transfer,
            versions,
        )

        versions.register_pages()
        transfer.register(publication_transfer.EXTENSION)
        page_cache.cap_lifetime(schedule.next_publication)

        connection_created.connect(search_index.register_sqlite_functions)
        post_migrate.connect(search_index.restore_after_migrate, sender=self)
        post_migrate.connect(planner.refresh_after_migrate, sender=self)
