"""Webhooks on the quick start's embedded SQLite file: pages, admin, the worker's
compare-and-set claim and the click loader's announcement (webhooks/tests/sqlite_round.py,
in a process of its own)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from .test_signing import documented_verifier

ROOT = Path(__file__).resolve().parents[2]


def test_on_sqlite_every_webhook_page_answers_and_the_worker_delivers(tmp_path, receiver):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "macondo.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "true",
        "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
        "CLICK_SPOOL_DIR": str(tmp_path / "spool"),
        "CLICK_FLUSHER_THREAD": "false",
        "REDIS_URL": "",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "webhooks.tests.sqlite_round", receiver.url()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("ROUND ")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    summary = json.loads(lines[-1].removeprefix("ROUND "))
    redirects = ("POST", "GET /round-1")
    shown_by_post = ("/secret/", "/rotate/")
    unexpected = {
        request: status
        for request, status in summary["statuses"].items()
        if status
        != (302 if request.startswith(redirects) and not request.endswith(shown_by_post) else 200)
    }
    assert not unexpected, summary
    assert summary["events"] == ["clicks.recorded", "link.created", "link.updated", "link.updated"]
    assert summary["worker"] == "4 deliveries attempted: 4 delivered, 0 failed."
    verify = documented_verifier()
    assert len(receiver.requests) == 4
    for request in receiver.requests:
        assert verify(summary["secret"], request.headers["Macondo-Signature"], request.body)
