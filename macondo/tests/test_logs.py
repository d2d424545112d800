import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.test import override_settings
from django.urls import path

from macondo.logs import anonymize_ip


@login_not_required  # this test's URLconf has no sign-in page to send anyone to
def boom(request):
    raise RuntimeError("the dashboard broke")


urlpatterns = [path("boom", boom)]


@pytest.fixture
def log_lines(capsys):
    """The console handler of settings.LOGGING, as configured, writing to captured stderr."""

    def configure(fmt):
        config = json.loads(json.dumps(settings.LOGGING))
        config["handlers"]["console"]["formatter"] = fmt
        logging.config.dictConfig(config)

    def read():
        return [line for line in capsys.readouterr().err.splitlines() if line]

    yield configure, read
    logging.config.dictConfig(settings.LOGGING)


def test_a_line_event_has_level_logger_and_message_on_one_line(log_lines):
    configure, read = log_lines
    configure("line")
    logging.getLogger("links.services").warning("link %s expired", "abc")
    [line] = read()
    assert line.endswith("WARNING links.services link abc expired")


def test_json_events_carry_level_logger_message_and_traceback_on_one_line(log_lines):
    configure, read = log_lines
    configure("json")
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        logging.getLogger("analytics").exception("could not record a click")
    [line] = read()
    event = json.loads(line)
    assert event["level"] == "ERROR"
    assert event["logger"] == "analytics"
    assert event["message"] == "could not record a click"
    assert "ZeroDivisionError" in event["traceback"]
    assert event["time"].endswith("Z")


@override_settings(ROOT_URLCONF=__name__, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_server_error_is_logged_with_its_traceback_and_without_cookies(log_lines, client, db):
    configure, read = log_lines
    configure("json")
    client.raise_request_exception = False
    client.cookies["sessionid"] = "very-secret-session-value"
    response = client.get("/boom", HTTP_COOKIE="sessionid=very-secret-session-value")
    assert response.status_code == 500
    [line] = [line for line in read() if "django.request" in line]
    event = json.loads(line)
    assert event["message"] == "Internal Server Error: /boom"
    assert event["status_code"] == 500
    assert "RuntimeError: the dashboard broke" in event["traceback"]
    assert "very-secret-session-value" not in line


def test_line_format_keeps_a_traceback_in_the_same_line(log_lines):
    configure, read = log_lines
    configure("line")
    try:
        raise ValueError("bad")
    except ValueError:
        logging.getLogger("x").exception("failed")
    [line] = read()
    assert "failed\\nTraceback" in line and "ValueError: bad" in line


@override_settings(ANONYMIZE_IP=True)
def test_visitor_ips_are_truncated_in_logs_when_anonymisation_is_on(log_lines):
    configure, read = log_lines
    configure("line")
    logging.getLogger("analytics").info(
        "click from %s and %s at 12:30:45", "81.2.69.142", "2001:db8:85a3:8d3:1319:8a2e:370:7348"
    )
    [line] = read()
    assert "81.2.69.0" in line and "81.2.69.142" not in line
    assert "2001:db8:85a3::" in line and "7348" not in line
    assert "12:30:45" in line


@override_settings(ANONYMIZE_IP=False)
def test_ips_stay_whole_when_anonymisation_is_off(log_lines):
    configure, read = log_lines
    configure("line")
    logging.getLogger("analytics").info("click from 81.2.69.142")
    assert "81.2.69.142" in read()[0]


def test_credentials_never_reach_the_log(log_lines):
    configure, read = log_lines
    configure("line")
    logging.getLogger("ops").error(
        "cannot connect to postgres://macondo:s3cret@db:5432/macondo?password=hunter2"
    )
    [line] = read()
    assert "s3cret" not in line and "hunter2" not in line
    assert "postgres://macondo:***@db:5432" in line


@pytest.mark.parametrize(
    ("address", "expected"),
    [("81.2.69.142", "81.2.69.0"), ("2001:db8:85a3:8d3::1", "2001:db8:85a3::")],
)
def test_anonymize_ip_keeps_the_network_part(address, expected):
    assert anonymize_ip(address) == expected


def test_the_formatters_and_filter_are_what_settings_wire_up():
    assert settings.LOGGING["formatters"]["line"]["()"] == "macondo.logs.LineFormatter"
    assert settings.LOGGING["formatters"]["json"]["()"] == "macondo.logs.JsonFormatter"
    assert settings.LOGGING["filters"]["redact"]["()"] == "macondo.logs.RedactFilter"
