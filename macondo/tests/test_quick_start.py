"""The quick start (scripts/run.sh) runs on an embedded SQLite file: a newcomer following a
short link there must see the click arrive, and /health must say the database answers;
report pages and every CSV export (written by Python there, not by COPY) must work too."""

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
from analytics.clicks.spool import loading
from analytics.models import Click

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
client = Client()
before = Click.objects.count()
status = client.get("/aroma-home").status_code
loading.flush()
loading.flush()  # a replayed flush stores nothing twice
print(status, Click.objects.count() - before, client.get("/health").status_code)
"""


EXPORTS = """
import csv, io
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from accounts.models import User
from analytics.models import Click
from links.models import Client as Customer, Link

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
link = Link.objects.order_by("created_at").first()
Click.objects.create(link=link, user_agent="=HYPERLINK(1)", referrer="+1", bot_reason="@x,y")
client = Client()
client.force_login(User.objects.first())
customer = link.client
pages = [
    f"/dashboard/clients/{customer.pk}/",
    f"/dashboard/links/{link.pk}/",
    f"/dashboard/links/{link.pk}/report.csv",
    f"/dashboard/clients/{customer.pk}/report.csv",
    "/dashboard/links/export.csv",
]
print(*[client.get(url).status_code for url in pages])
raw = client.get(f"/dashboard/links/{link.pk}/clicks.csv")
rows = list(csv.DictReader(io.StringIO(b"".join(raw.streaming_content).decode(), newline="")))
print(raw.status_code, [r["user_agent"] for r in rows if r["referrer"] == "'+1"])
"""


def _on_sqlite(tmp_path, script):
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
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()


def test_on_sqlite_a_followed_link_is_stored_and_health_is_ok(tmp_path):
    assert _on_sqlite(tmp_path, SCRIPT)[-1].split() == ["302", "1", "200"]


def test_on_sqlite_report_pages_and_every_csv_export_work_and_are_neutralised(tmp_path):
    statuses, raw = _on_sqlite(tmp_path, EXPORTS)[-2:]
    assert statuses.split() == ["200"] * 5
    assert raw == '200 ["\'=HYPERLINK(1)"]'
