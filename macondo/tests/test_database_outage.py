"""A dashboard or admin page while PostgreSQL is down: a short 503 page, one warning line."""

import logging

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from links.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def log_records():
    """Every record logged during the test, including Django's own loggers (which do not
    propagate to the root logger in settings.LOGGING)."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(), logging.getLogger("django")]
    for logger in loggers:
        logger.addHandler(handler)
    yield records
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture
def staff_browser():
    """A signed-in colleague's browser; errors become responses as they would in production."""
    browser = Client(raise_request_exception=False)
    browser.force_login(UserFactory(email="staff@corp.example", role="admin"))
    return browser


@pytest.fixture
def link_id():
    return LinkFactory(short_code="Outage1").pk


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/",
        "/dashboard/links/",
        "/dashboard/links/{link_id}/",
        "/dashboard/unknown-page/",
        "/admin/",
        "/admin/links/link/",
    ],
)
def test_a_staff_page_answers_503_with_retry_after_while_postgresql_is_down(
    staff_browser, link_id, postgresql, path
):
    postgresql.stop()
    response = staff_browser.get(path.format(link_id=link_id))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Temporarily unavailable" in response.content
    assert b"dashboard-nav" not in response.content


def test_the_outage_is_logged_once_as_a_warning_with_its_cause(
    staff_browser, postgresql, log_records
):
    postgresql.stop()
    staff_browser.get("/dashboard/links/")
    logged = [r for r in log_records if r.levelno >= logging.WARNING]
    assert [(r.name, r.levelname) for r in logged] == [("macondo.errors", "WARNING")]
    [record] = logged
    message = record.getMessage()
    assert "GET /dashboard/links/" in message
    assert "Connection refused" in message
    assert "\n" not in message
    assert record.exc_info is None


def test_a_colleague_stays_signed_in_through_the_outage(staff_browser, postgresql):
    postgresql.stop()
    response = staff_browser.get("/dashboard/")
    assert response.status_code == 503
    session_cookie = response.cookies.get("sessionid")
    assert session_cookie is None or session_cookie.value != ""
    postgresql.start()
    assert staff_browser.get("/dashboard/").status_code == 200


def test_the_admin_password_form_answers_503_while_postgresql_is_down(postgresql, db):
    UserFactory(email="boss@corp.example", role="admin")
    browser = Client(raise_request_exception=False)
    postgresql.stop()
    response = browser.post(
        "/admin/login/", {"username": "boss@corp.example", "password": "anything at all"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_a_signed_out_visitor_of_the_dashboard_is_still_sent_to_sign_in(postgresql):
    # No session to load: the sign-in redirect needs no database.
    postgresql.stop()
    response = Client(raise_request_exception=False).get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_dashboard_works_again_when_postgresql_is_back(staff_browser, postgresql):
    postgresql.stop()
    assert staff_browser.get("/dashboard/links/").status_code == 503
    postgresql.start()
    assert staff_browser.get("/dashboard/links/").status_code == 200
