from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import normalize_email
from api import keys
from links.models import Client


class Command(BaseCommand):
    help = "Create an API key for a colleague; the secret is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The owner's email address.")
        parser.add_argument(
            "--scopes", required=True, help="Comma-separated: links:read,links:write,…"
        )
        parser.add_argument("--name", default="", help="What uses the key (default: cli).")
        parser.add_argument(
            "--clients",
            default=None,
            help="Comma-separated client names: the key sees only these (default: all).",
        )

    def handle(self, *args, user, scopes, name, clients, **options):
        owner = get_user_model().objects.filter(email=normalize_email(user)).first()
        if owner is None:
            raise CommandError(f"No user with the email {user}.")
        if not owner.is_active:
            raise CommandError(f"{owner.email} is not active: their keys would not work.")
        chosen = None
        if clients is not None:
            chosen = []
            for client_name in (part for part in clients.split(",") if part.strip()):
                client = Client.objects.named(client_name).first()
                if client is None:
                    raise CommandError(f"No client named “{client_name.strip()}”.")
                chosen.append(client)
            if not chosen:
                raise CommandError("--clients names no client; leave it out for every client.")
        try:
            issued = keys.issue(
                user=owner,
                name=name or "cli",
                scopes=[scope.strip() for scope in scopes.split(",") if scope.strip()],
                clients=chosen,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        key = issued.key
        within = "every client" if chosen is None else ", ".join(c.name for c in chosen)
        self.stdout.write(
            f"Created API key {key.prefix}… “{key.name}” for {owner.email}: "
            f"{', '.join(key.scopes)}; {within}. Copy it now, it is not stored:"
        )
        self.stdout.write(issued.secret)
