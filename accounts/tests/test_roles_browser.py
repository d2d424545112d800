"""In headless Chromium: an admin makes a colleague a viewer on the People page, and the
colleague, signed in elsewhere, is offered no edit and refused the edit page."""

import re

import pytest
from django.test import Client

from accounts.models import User
from links.tests.factories import ClientFactory, LinkFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db):
    # Made before Playwright starts: the ORM refuses to run inside its event loop.
    User.objects.create_superuser("boss@corp.example", "boss-password-123", name="Boss")
    colleague = User.objects.create_user("pat@corp.example", name="Pat", role="editor")
    link = LinkFactory(client=ClientFactory(name="Acme"), short_code="acme-poster")
    browser = Client()
    browser.force_login(colleague)
    return {"link": link, "pat_session": browser.cookies["sessionid"].value}


@pytest.fixture
def contexts(people, live_server, monkeypatch, chromium):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    opened = [chromium.new_context(), chromium.new_context()]
    for context in opened:
        context.set_default_timeout(15000)
    yield opened
    for context in opened:
        context.close()


def test_an_admin_makes_a_colleague_a_viewer_who_is_then_refused_an_edit(
    live_server, people, contexts
):
    admin_context, pat_context = contexts
    link = people["link"]
    pat_context.add_cookies(
        [{"name": "sessionid", "value": people["pat_session"], "url": live_server.url}]
    )
    pat = pat_context.new_page()
    pat.goto(f"{live_server.url}/dashboard/links/{link.pk}/")
    assert pat.get_by_role("link", name="Edit").count() == 1

    admin = admin_context.new_page()
    admin.goto(f"{live_server.url}/admin/login/?next=/dashboard/people/")
    admin.fill("#id_username", "boss@corp.example")
    admin.fill("#id_password", "boss-password-123")
    admin.click("input[type=submit]")
    admin.wait_for_url(re.compile(r"/dashboard/people/$"))
    row = admin.locator("tr", has_text="pat@corp.example")
    assert row.locator("td[data-role]").inner_text() == "Editor"
    row.get_by_role("link", name="Change").click()
    admin.get_by_label("Role").select_option(label="Viewer")
    admin.get_by_role("button", name="Save").click()
    admin.wait_for_url(re.compile(r"/dashboard/people/$"))
    assert "pat@corp.example: role: editor → viewer." in admin.inner_text(".messages")
    assert row.locator("td[data-role]").inner_text() == "Viewer"

    # Pat's next request, same session: reading still works, editing is gone.
    pat.goto(f"{live_server.url}/dashboard/links/{link.pk}/")
    assert pat.get_by_role("link", name="Edit").count() == 0
    assert pat.get_by_role("link", name="This report (CSV)").count() == 1
    refused = pat.goto(f"{live_server.url}/dashboard/links/{link.pk}/edit/")
    assert refused.status == 403
    assert "You cannot open this page" in pat.inner_text("main")
