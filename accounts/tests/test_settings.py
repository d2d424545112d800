import os
import subprocess
import sys

import pytest
from django.conf import settings


def settings_in_a_fresh_process(**environ):
    """Import macondo.settings with the given environment, as production would."""
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": "k" * 60,
        "DJANGO_SETTINGS_MODULE": "macondo.settings",
        **environ,
    }
    code = (
        "from macondo import settings as s; "
        "print(s.ALLOWED_EMAIL_DOMAINS, s.ADMIN_EMAILS, 'APP' in s.SOCIALACCOUNT_PROVIDERS['google'])"
    )
    return subprocess.run(  # noqa: S603 (our own interpreter and code, no outside input)
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_comma_lists_are_trimmed_and_lower_cased():
    result = settings_in_a_fresh_process(
        ALLOWED_EMAIL_DOMAINS=" Corp.Example, other.example ,",
        ADMIN_EMAILS="Boss@Corp.Example",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['corp.example', 'other.example'] ['boss@corp.example'] False"


def test_google_app_comes_from_the_environment():
    result = settings_in_a_fresh_process(GOOGLE_CLIENT_ID="id", GOOGLE_CLIENT_SECRET="secret")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ALLOWED_EMAIL_DOMAINS": "@corp.example"}, "ALLOWED_EMAIL_DOMAINS takes bare domains"),
        ({"GOOGLE_CLIENT_ID": "id"}, "GOOGLE_CLIENT_SECRET is not"),
        ({"AXES_LOCKOUT_PARAMETERS": "ip"}, "AXES_LOCKOUT_PARAMETERS takes"),
    ],
)
def test_misconfiguration_stops_the_app_with_a_clear_message(environ, message):
    result = settings_in_a_fresh_process(**environ)

    assert result.returncode != 0
    assert message in result.stderr
