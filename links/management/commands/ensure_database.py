"""Make sure the configured database can be used, creating a missing PostgreSQL database.

`scripts/run.sh` runs this before migrating, so `DATABASE_URL=postgres://…/new_name` works on
a fresh server. Whatever stops it (server down, wrong password, no CREATEDB) ends in one
line that says what is wrong and how to fix it, never a traceback.
"""

import getpass
from pathlib import Path

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from psycopg import sql

# Every PostgreSQL server has it; a missing database is created from a connection to it.
MAINTENANCE_DATABASE = "postgres"
FIX = (
    "fix DATABASE_URL, or remove it (from the environment and .env) to use the embedded SQLite file"
)


def reason(exc):
    """psycopg's message as one sentence, without the 'connection to server … failed:' lead."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [repr(exc)]
    lines[0] = lines[0].rsplit(" failed: ", 1)[-1].removeprefix("FATAL:").strip()
    return " ".join(line if line.endswith((".", "?", "!")) else line + "." for line in lines)


class Command(BaseCommand):
    help = "Checks that the database answers; creates a missing PostgreSQL database."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, database, **options):
        connection = connections[database]
        if connection.vendor == "sqlite":
            check_sqlite_folder(connection.settings_dict["NAME"])
        elif connection.vendor == "postgresql" and (created := ensure_postgresql(connection)):
            self.stdout.write(created)


def check_sqlite_folder(name):
    if str(name) != ":memory:" and not Path(str(name)).parent.is_dir():
        raise CommandError(
            f"The folder of the SQLite file {name} does not exist: create it, or point "
            "DATABASE_URL at another file."
        )


def ensure_postgresql(connection):
    """None when the database answers, a line saying so when it was created; otherwise
    CommandError with what is wrong and how to fix it."""
    try:
        params = connection.get_connection_params()
    except ImproperlyConfigured as exc:
        raise CommandError(f"DATABASE_URL is not usable: {exc}") from None
    name = params.get("dbname")
    user = params.get("user") or getpass.getuser()
    where = f"{params.get('host') or 'the local socket'}:{params.get('port') or 5432}"
    try:
        psycopg.connect(**params).close()
        return None
    except psycopg.Error as exc:
        refused = (
            f'Cannot connect to PostgreSQL database "{name}" on {where} as {user}: {reason(exc)}'
        )
    try:
        maintenance = psycopg.connect(**{**params, "dbname": MAINTENANCE_DATABASE}, autocommit=True)
    except psycopg.Error:
        # The server does not answer or refuses this user: the first error says why.
        raise CommandError(f"{refused} Start the server or {FIX}.") from None
    with maintenance:
        found = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if name is None or found.fetchone():
            raise CommandError(f"{refused} Grant {user} access or {FIX}.")
        try:
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            return None  # made meanwhile by a concurrent run
        except psycopg.errors.InsufficientPrivilege as exc:
            raise CommandError(
                f'PostgreSQL database "{name}" does not exist on {where} and {user} may not '
                f"create it: {reason(exc)} Create it as a user who may "
                f'(CREATE DATABASE "{name}" OWNER "{user}"), grant {user} CREATEDB, or '
                f"{FIX}."
            ) from None
        except psycopg.Error as exc:
            raise CommandError(
                f'Could not create PostgreSQL database "{name}" on {where}: {reason(exc)}'
            ) from None
    return f'Created PostgreSQL database "{name}" on {where}.'
