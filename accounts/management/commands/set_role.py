"""manage.py set_role EMAIL admin|editor|viewer [--clients NAME,…]: give a person who
already exists a staff role (and client limits), printing what changed."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from accounts.models import STAFF_ROLES, User, normalize_email
from links.models import Client


class Command(BaseCommand):
    help = "Gives an existing person a staff role and, with --clients, the clients they see."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", choices=[str(r) for r in STAFF_ROLES])
        parser.add_argument(
            "--clients",
            help="Comma-separated client names the person is limited to; an empty value "
            "(--clients=) lifts the limit. Absent: the limit stays as it is.",
        )

    def handle(self, *args, email, role, clients=None, **options):
        try:
            user = User.objects.get(email=normalize_email(email))
        except User.DoesNotExist:
            raise CommandError(
                f"Nobody with the address {email!r}: people are created when they first "
                "sign in (or in the admin); this command creates nobody."
            ) from None
        chosen = None if clients is None else _clients(clients)
        try:
            changes = roles.assign(user, role, chosen)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if changes:
            self.stdout.write(f"{user.email}: {'; '.join(changes)}.")
        else:
            self.stdout.write(f"{user.email}: nothing changed (already {role}).")


def _clients(names):
    found, missing = [], []
    for name in (n.strip() for n in names.split(",")):
        if not name:
            continue
        client = Client.objects.named(name).first()
        if client is None:
            missing.append(name)
        else:
            found.append(client)
    if missing:
        raise CommandError(f"No client named {', '.join(repr(n) for n in missing)}.")
    return found
