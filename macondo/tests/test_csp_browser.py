"""Staff pages satisfy their own Content-Security-Policy in a real browser (Chromium)."""

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test import override_settings
from django.test.testcases import LiveServerThread

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(transactional_db):
    # Plain http on localhost: cookies must not require TLS here.
    with override_settings(
        SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False, SECURE_SSL_REDIRECT=False
    ):
        server = LiveServerThread(
            "localhost", static_handler=StaticFilesHandler, connections_override={}, port=0
        )
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        # Port 0: the kernel picks a free one, so two test runs on one machine never collide.
        yield f"http://localhost:{server.port}"
        server.terminate()
        connections.close_all()


@pytest.fixture
def browser_page(chromium):
    page = chromium.new_page()
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    yield page, messages
    page.close()


def csp_violations(messages):
    return [m for m in messages if "Content Security Policy" in m or "Refused to" in m]


@pytest.fixture
def staff_login(transactional_db):
    # Created before the browser starts: Playwright's sync API runs an event loop, and the
    # ORM refuses to run inside one.
    user = UserFactory(email="boss@corp.example", role="admin")
    user.set_password("a long enough password")
    user.save()
    return user.email, "a long enough password"


def test_admin_login_and_index_load_without_csp_violations(live_url, staff_login, browser_page):
    page, messages = browser_page
    email, password = staff_login

    response = page.goto(f"{live_url}/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # The admin stylesheet really loaded under the policy.
    header_background = "getComputedStyle(document.querySelector('#header')).backgroundColor"
    assert page.evaluate(header_background) not in ("", "rgba(0, 0, 0, 0)")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_url}/admin/")
    assert page.locator("#site-name").is_visible()
    page.goto(f"{live_url}/admin/links/link/add/")
    page.wait_for_load_state("networkidle")

    assert csp_violations(messages) == [], messages


def test_an_inline_script_would_be_reported(live_url, browser_page):
    # The check above can fail: an inline script on our origin is refused and reported.
    page, messages = browser_page
    page.goto(f"{live_url}/admin/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert csp_violations(messages)
