"""The quick start (scripts/run.sh) runs on an embedded SQLite file: a newcomer following a
short link there must see the click arrive, and /health must say the database answers."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from analytics import spool
from analytics.models import Click

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
client = Client()
before = Click.objects.count()
status = client.get("/aroma-home").status_code
spool.flush()
spool.flush()  # a replayed flush stores nothing twice
print(status, Click.objects.count() - before, client.get("/health").status_code)
"""


def test_on_sqlite_a_followed_link_is_stored_and_health_is_ok(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "macondo.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "true",
        "ALLOWED_HOSTS": "testserver",
        "CLICK_SPOOL_DIR": str(tmp_path / "spool"),
        "CLICK_FLUSHER_THREAD": "false",
        "REDIS_URL": "",
    }
    result = subprocess.run(  # noqa: S603 (our own script, no input)
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-3:] == ["302", "1", "200"]
