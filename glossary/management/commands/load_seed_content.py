from django.core.management.base import BaseCommand

from glossary.seed import load_seed_content


class Command(BaseCommand):
    help = "Load the glossary's seed terms and categories (idempotent: skips what exists)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds any term (used by make run).",
        )

    def handle(self, *args, **options) -> None:
        from glossary.models import Term

        if options["if_empty"] and Term.objects.exists():
            self.stdout.write("The glossary already has terms; seed content not loaded.")
            return
        created = load_seed_content()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Loaded {created} seed terms."))
        else:
            self.stdout.write("Seed content already present; nothing to do.")
