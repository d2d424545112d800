"""Everything scripts/run.sh does before it starts the development server.

The port checked free and the database made ready (created when PostgreSQL lacks it), so
that `.env`, kept in step with the run's knobs next, never names ones that do not work;
then migrations, demo data on an empty database, where the app listens and how to sign in.
`--address` prints the HOST:PORT to serve on from the same settings as the short links."""

import os
import socket

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse

from links.models import Link
from macondo import local_env


class Command(BaseCommand):
    help = "Prepares a local run: .env, database, migrations, demo data; says how to sign in."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--address", action="store_true", help="Only print HOST:PORT for runserver."
        )

    def handle(self, *args, address=False, verbosity=1, **options):
        if address:
            self.stdout.write(bind_address())
            return
        # Both checks first, so .env never keeps a database or port that does not work.
        check_port_free()
        call_command("ensure_database")
        try:
            done = local_env.sync(settings.BASE_DIR / ".env", os.environ)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot update .env: {exc}") from None
        for line in done:
            self.stdout.write(line)
        call_command("migrate", interactive=False, skip_checks=False, verbosity=verbosity)
        if not Link.objects.exists():
            call_command("seed_demo")
        self.stdout.write(banner())


def bind_address():
    host = f"[{settings.HOST}]" if ":" in settings.HOST else settings.HOST
    return f"{host}:{settings.PORT}"


def check_port_free():
    """Fail before migrating, not after the banner, when the server could not listen."""
    family = socket.AF_INET6 if ":" in settings.HOST else socket.AF_INET
    try:
        with socket.socket(family) as probe:
            # As the server will: a port left in TIME_WAIT by a stopped server is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((settings.HOST, settings.PORT))
    except OSError as exc:
        raise CommandError(
            f"Cannot listen on {bind_address()}: {exc.strerror or exc}. Another server may "
            f"use the port: stop it or pick another, e.g. PORT={settings.PORT + 1} "
            "scripts/run.sh."
        ) from None


def database_description():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite file {db['NAME']}"
    return f'PostgreSQL database "{db["NAME"]}" on {db["HOST"] or "the local socket"}:{db["PORT"] or 5432}'


def banner():
    url = settings.SERVER_URL
    lines = [
        "",
        f"  Macondo runs on {url}/ (Django's development server; production",
        "  runs gunicorn, docs/operations.md).",
        f"  Database: {database_description()}.",
        f"  Short links: {settings.SHORT_LINK_BASE_URL.rstrip('/')}/<code> (SHORT_LINK_BASE_URL).",
    ]
    if settings.HOST in ("0.0.0.0", "::"):  # noqa: S104
        lines += [
            f"  It listens on every interface (HOST={settings.HOST}); for other machines set",
            "  ALLOWED_HOSTS and SHORT_LINK_BASE_URL to the address they reach it on.",
        ]
    if settings.GOOGLE_CLIENT_ID:
        lines += [f"  Staff sign in with Google at {url}{reverse('account_login')}"]
    else:
        dashboard = reverse("analytics:overview")
        lines += [
            "  Google sign-in is not configured (GOOGLE_CLIENT_ID, docs/sign-in.md).",
            "  Make a superuser once:",
            "      .venv/bin/python manage.py createsuperuser",
            "  then sign in with its email and password at",
            f"      {url}{reverse('admin:login')}?next={dashboard}",
        ]
    return "\n".join([*lines, ""])
