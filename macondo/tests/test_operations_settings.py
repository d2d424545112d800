import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_from(**env):
    """Settings as a fresh process reads them from this environment."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "db = s.DATABASES['default']; print(json.dumps({"
        "'cursors': db['DISABLE_SERVER_SIDE_CURSORS'], 'age': db['CONN_MAX_AGE'], "
        "'formatter': s.LOGGING['handlers']['console']['formatter'], 'version': s.APP_VERSION}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "macondo.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_pgbouncer_transaction_mode_knobs_come_from_the_environment():
    assert settings_from()["cursors"] is False
    behind_bouncer = settings_from(DATABASE_DISABLE_SERVER_SIDE_CURSORS="true", CONN_MAX_AGE="0")
    assert behind_bouncer["cursors"] is True
    assert behind_bouncer["age"] == 0


def test_log_format_json_selects_the_json_formatter_and_app_version_overrides():
    assert settings_from()["formatter"] == "line"
    configured = settings_from(LOG_FORMAT="json", APP_VERSION="abc123")
    assert configured == {**configured, "formatter": "json", "version": "abc123"}
