"""manage.py portal_access CLIENT_NAME --domains D,… [--invite EMAIL,…] [--uninvite EMAIL,…]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from links.models import Client
from portal import access


def _list(value):
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class Command(BaseCommand):
    help = (
        "Give a client's people access to its portal: the exact email domains whose Google "
        "sign-ins are admitted as the client's viewers (replacing the current list; an empty "
        "--domains= clears it), and single invited addresses."
    )

    def add_arguments(self, parser):
        parser.add_argument("client", help="The client's name (as on the dashboard).")
        parser.add_argument("--domains", help="Comma-separated domains, e.g. acme.example")
        parser.add_argument("--invite", help="Comma-separated addresses to invite.")
        parser.add_argument("--uninvite", help="Comma-separated invitations to withdraw.")

    def handle(self, *args, **options):
        client = Client.objects.named(options["client"]).first()
        if client is None:
            raise CommandError(f"No client named “{options['client']}”.")
        try:
            changes = []
            if options["domains"] is not None:
                changes += access.set_domains(client, _list(options["domains"]))
            changes += access.invite(client, _list(options["invite"]))
            changes += access.uninvite(client, _list(options["uninvite"]))
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        for change in changes:
            self.stdout.write(f"{client.name}: {change}")
        if not changes:
            self.stdout.write(f"{client.name}: nothing changed")
        domains = ", ".join(client.portal_domains) or "none"
        invited = ", ".join(client.invitations.values_list("email", flat=True)) or "none"
        self.stdout.write(f"{client.name}: portal domains {domains}; invited {invited}")
