"""A newcomer's walk through the whole product (macondo/tests/newcomer_walk.py), run as the
quick start runs it: on a fresh SQLite file, and the same walk on a fresh PostgreSQL
database. No page may answer 5xx, no link may be broken, no form step may go wrong and
nothing may be logged at ERROR."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib import admin

from analytics import urls as analytics_urls
from analytics.forms import RANGE_CHOICES
from links import urls as links_urls

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ("analytics:link", "analytics:client", "analytics:campaign")


def walk(database_url, folder):
    # Only what a newcomer's shell has: no settings of the test run leak into the walk.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(folder)),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "macondo.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "true",
        "CLICK_SPOOL_DIR": str(folder / "spool"),
        "CLICK_FLUSHER_THREAD": "false",
        "REDIS_URL": "",
    }
    result = subprocess.run(  # noqa: S603 (our own script, no input)
        [sys.executable, "-m", "macondo.tests.newcomer_walk"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("WALK ")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    summary = json.loads(lines[-1].removeprefix("WALK "))
    assert "crashed" not in summary, summary["crashed"]
    return summary


@pytest.fixture(scope="module")
def sqlite_walk(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-walk")
    return walk(f"sqlite:///{folder / 'db.sqlite3'}", folder)


@pytest.fixture(scope="module")
def postgresql_walk(tmp_path_factory):
    """The walk on a database of its own on the test run's server, dropped afterwards."""
    server = settings.DATABASES["default"]
    name = f"walk_{uuid.uuid4().hex[:12]}"
    params = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin_db:
        admin_db.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{params['password']}" if params["password"] else ""
        url = f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"
        yield walk(url, tmp_path_factory.mktemp("postgresql-walk"))
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin_db:
            admin_db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def named_urls():
    return {
        f"{module.app_name}:{pattern.name}"
        for module in (analytics_urls, links_urls)
        for pattern in module.urlpatterns
    }


def listed(problems):
    return "\n".join(json.dumps(problem, ensure_ascii=False)[:1500] for problem in problems)


DATABASES = pytest.mark.parametrize("database", ["sqlite", "postgresql"])


@DATABASES
def test_no_page_of_the_walk_fails_and_nothing_is_logged_as_an_error(database, request):
    summary = request.getfixturevalue(f"{database}_walk")
    assert summary["database"] == database
    assert not summary["failures"], listed(summary["failures"])
    assert not summary["errors_logged"], listed(summary["errors_logged"])


@DATABASES
def test_the_walk_reaches_every_named_url_every_admin_model_and_every_report_range(
    database, request
):
    summary = request.getfixturevalue(f"{database}_walk")
    assert set(summary["walked_names"]) == named_urls()
    assert set(summary["admin_models"]) == {model._meta.label for model in admin.site._registry}
    # At least one page per named URL and three per admin model, plus what the pages link to.
    assert summary["pages"] > len(named_urls()) + 3 * len(admin.site._registry)
    for report in REPORTS:
        # Each report once per range choice (custom with dates, and with dates reversed).
        assert summary["pages_by_name"][report] > len(RANGE_CHOICES), report


@DATABASES
def test_the_walk_stores_the_click_of_its_new_link_and_checks_every_figure(database, request):
    summary = request.getfixturevalue(f"{database}_walk")
    assert summary["counts"]["clicks stored"] == 1
    # Raw clicks in two time zones, 90 days and today; then rollups in TIME_ZONE.
    assert summary["counts"]["figure checks"] == 6
