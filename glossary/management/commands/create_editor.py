"""`manage.py create_editor <username> [--role writer|reviewer|publisher] [--email …]`: a
staff account in the Editors group (publishing directly), or in one of the editorial
workflow's groups (Writers, Medical reviewers, Publishers).

The generated password is printed once and stored only as a hash; the editor changes
it after logging in (admin → Change password).
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

EDITORS = "Editors"
# The workflow's groups, created by the editorial app's migrations (editorial 0002).
ROLES = {
    "editor": EDITORS,
    "writer": "Writers",
    "reviewer": "Medical reviewers",
    "publisher": "Publishers",
}
# What each role may do, for --help and the confirmation (docs/editorial-workflow.md).
ROLE_HELP = {
    "editor": "writes and publishes directly, outside the review workflow",
    "writer": "writes terms and submits them for medical review",
    "reviewer": "approves terms or requests changes (needs a person profile to sign with)",
    "publisher": "publishes, schedules and unpublishes reviewed terms",
}


class Command(BaseCommand):
    help = (
        "Create a staff account in one role's group (--role; default: the Editors group) "
        "and print a generated password once. Workflow emails go to the account's address "
        "(--email); an account without one gets none. A reviewer also needs a person "
        "profile (Editorial → People) to sign reviews with."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--email",
            default="",
            help="Their email address: workflow notifications (a term to review, changes "
            "requested, published) are sent there; without one, they get none.",
        )
        parser.add_argument(
            "--role",
            choices=sorted(ROLES),
            default="editor",
            help="; ".join(
                f"{role}{' (default)' if role == 'editor' else ''}: the {ROLES[role]} group, "
                f"{ROLE_HELP[role]}"
                for role in ROLES
            ),
        )

    @transaction.atomic
    def handle(self, *args, username: str, email: str, role: str, **options) -> None:
        User = get_user_model()
        username = username.strip()
        if not username:
            raise CommandError("Give a username, for example: manage.py create_editor alice")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(
                f"A user named “{username}” already exists; nothing was changed. "
                f"Add them to the {ROLES[role]} group in the admin instead."
            )
        try:
            group = Group.objects.get(name=ROLES[role])
        except Group.DoesNotExist as missing:
            raise CommandError(
                f"The {ROLES[role]} group does not exist: run `manage.py migrate` first."
            ) from missing
        password = secrets.token_urlsafe(15)
        user = User.objects.create_user(username=username, email=email, password=password)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(group)
        self.stdout.write(
            f"Created {role} “{username}” ({group.name}). Their password (shown only once):"
        )
        self.stdout.write(f"    {password}")
        self.stdout.write("Ask them to change it after logging in at /admin/.")
        if not email:
            self.stdout.write(
                "No email address: they get no workflow emails "
                "(add one in the admin, Users, or create the account with --email)."
            )
        if role == "reviewer":
            # The profile is public (name, credentials on every byline they sign), so it
            # is written by a person, not made up from a username.
            self.stdout.write(
                "Reviews are signed: before reviewing, give them a person profile in the "
                f"admin (Editorial → People → Add person, with User “{username}”)."
            )
