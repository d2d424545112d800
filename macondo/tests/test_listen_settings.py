"""Where a local run listens (PORT, HOST) and what follows from it, the database URL, and
the system checks silenced on the quick start's SQLite file: settings as a fresh process
reads them from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def fresh_process(code, **environ):
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "macondo.settings",
            "DEBUG": "true",
            **environ,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def listen_settings(**environ):
    code = (
        "import json; from macondo import settings as s; print(json.dumps({"
        "'server': s.SERVER_URL, 'short': s.SHORT_LINK_BASE_URL, 'hosts': s.ALLOWED_HOSTS}))"
    )
    result = fresh_process(code, **environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("environ", "server_url", "host"),
    [
        ({}, "http://127.0.0.1:8000", "127.0.0.1"),
        ({"PORT": "8123"}, "http://127.0.0.1:8123", "127.0.0.1"),
        # A wildcard bind is reached on this machine's loopback address.
        ({"HOST": "0.0.0.0", "PORT": "8123"}, "http://127.0.0.1:8123", "127.0.0.1"),  # noqa: S104
        ({"HOST": "::1", "PORT": "8123"}, "http://[::1]:8123", "[::1]"),
        ({"HOST": "192.0.2.10"}, "http://192.0.2.10:8000", "192.0.2.10"),
    ],
)
def test_short_links_follow_where_the_local_server_listens(environ, server_url, host):
    listening = listen_settings(**environ)

    assert listening["server"] == server_url
    assert listening["short"] == server_url
    assert host in listening["hosts"]


def test_an_explicit_short_link_base_url_wins_over_the_port():
    listening = listen_settings(PORT="8123", SHORT_LINK_BASE_URL="https://mcd.link")

    assert listening["server"] == "http://127.0.0.1:8123"
    assert listening["short"] == "https://mcd.link"


@pytest.mark.parametrize("port", ["abc", "65536"])
def test_a_port_that_is_not_a_port_number_is_refused_by_name(port):
    result = fresh_process("import macondo.settings", PORT=port)

    assert result.returncode != 0
    assert f"PORT must be a port number (1-65535), not '{port}'." in result.stderr


@pytest.mark.parametrize(
    "url",
    ["postgres//127.0.0.1/macondo", "mysql://user@127.0.0.1/macondo"],
)
def test_a_database_url_we_cannot_use_is_refused_by_name(url):
    result = fresh_process("import macondo.settings", DATABASE_URL=url)

    assert result.returncode != 0
    assert "DATABASE_URL is not a PostgreSQL or SQLite URL" in result.stderr


def test_an_empty_database_url_means_the_sqlite_file():
    code = "from macondo import settings as s; print(s.DATABASES['default']['NAME'])"

    result = fresh_process(code, DATABASE_URL="")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(ROOT / "db.sqlite3")


def deploy_check_output(*options, **environ):
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", *options],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "true", "REDIS_URL": "", **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.stdout + result.stderr


def test_checks_that_do_not_apply_to_the_sqlite_file_are_silenced_there(tmp_path):
    # --database runs the model checks that need a connection (W039, W040), as migrate does.
    output = deploy_check_output(
        "--database", "default", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )

    for check in ["models.W039", "models.W040", "analytics.W001"]:
        assert check not in output
    # Only those: the deploy checks about DEBUG still speak.
    assert "security.W018" in output


def test_postgresql_still_reports_the_missing_redis():
    output = deploy_check_output(DATABASE_URL=os.environ["DATABASE_URL"])

    assert "analytics.W001" in output
