"""`manage.py ensure_database` (scripts/run.sh's database step) in a fresh process, as a
newcomer meets it: a missing PostgreSQL database is created, and what it cannot fix is one
line saying what is wrong, never a traceback."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def server():
    """The PostgreSQL server the suite runs on (host, port, superuser)."""
    db = connection.settings_dict
    return {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"]}


def administer(statement):
    with psycopg.connect(**server(), dbname="postgres", autocommit=True) as admin:
        admin.execute(statement)


def database_names():
    with psycopg.connect(**server(), dbname="postgres") as admin:
        return {row[0] for row in admin.execute("SELECT datname FROM pg_database")}


def ensure_database(database_url):
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "ensure_database"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "true", "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def url(user, name, port=None):
    where = server()
    return f"postgres://{user}@{where['host']}:{port or where['port']}/{quote(name)}"


def assert_one_clear_line(result):
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def missing_name():
    # Upper case, a hyphen and a double quote: the name must reach PostgreSQL quoted.
    name = f'macondo_quickstart-New"{uuid.uuid4().hex[:8]}'
    yield name
    administer(f'DROP DATABASE IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')


def test_a_missing_postgresql_database_is_created_once(missing_name):
    first = ensure_database(url(server()["user"], missing_name))
    second = ensure_database(url(server()["user"], missing_name))

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f'Created PostgreSQL database "{missing_name}" on ')
    assert missing_name in database_names()
    assert second.returncode == 0, second.stderr
    assert second.stdout == ""


def test_a_server_that_is_down_is_one_line_saying_so():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody_listens = probe.getsockname()[1]

    result = ensure_database(url(server()["user"], "macondo_quickstart_down", nobody_listens))

    line = assert_one_clear_line(result)
    assert (
        f'Cannot connect to PostgreSQL database "macondo_quickstart_down" on 127.0.0.1:{nobody_listens}'
        in line
    )
    assert "Connection refused" in line
    assert "Start the server or fix DATABASE_URL" in line


@pytest.fixture
def role_without_createdb():
    role = f"macondo_quickstart_{uuid.uuid4().hex[:8]}"
    administer(f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
    yield role
    administer(f'DROP ROLE "{role}"')


def test_a_user_who_may_not_create_databases_is_told_how_to_get_one(
    role_without_createdb, missing_name
):
    result = ensure_database(url(role_without_createdb, missing_name))

    line = assert_one_clear_line(result)
    assert f'"{missing_name}" does not exist' in line
    assert "permission denied to create database" in line
    assert f"grant {role_without_createdb} CREATEDB" in line
    assert missing_name not in database_names()


def test_a_sqlite_file_in_a_missing_folder_is_one_line_saying_so(tmp_path):
    result = ensure_database(f"sqlite:///{tmp_path / 'nowhere' / 'db.sqlite3'}")

    line = assert_one_clear_line(result)
    assert (
        f"The folder of the SQLite file {tmp_path / 'nowhere' / 'db.sqlite3'} does not exist"
        in line
    )
