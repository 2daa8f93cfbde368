"""`manage.py create_editor <username> [--role writer|reviewer|publisher]`: a staff account
in the Editors group (publishing directly), or in one of the editorial workflow's groups.

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


class Command(BaseCommand):
    help = "Create a staff user in the Editors group and print a generated password once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="", help="The editor's email address.")
        parser.add_argument(
            "--role",
            choices=sorted(ROLES),
            default="editor",
            help="editor (default: the Editors group), writer, reviewer or publisher.",
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
                "Add them to the Editors group in the admin instead."
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
