"""End to end in Debian's headless Chromium: an editor schedules a client's weekly report
from the client's page, send_reports --now sends it, and it arrives by SMTP."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections

from accounts.models import User
from analytics.reports.periods import day_start
from analytics.tests.factories import ClickFactory
from links.tests.factories import ClientFactory, LinkFactory
from mailings import periods
from mailings.models import ReportSubscription

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(transactional_db):
    # Created before Playwright starts (see links/tests/test_browser.py).
    return User.objects.create_superuser("e2e@corp.example", "e2e-password-123", name="E2E")


@pytest.fixture
def acme(transactional_db):
    client = ClientFactory(name="Acme")
    link = LinkFactory(client=client, name="Poster")
    week = periods.latest_complete("weekly")
    ClickFactory.create_batch(3, link=link, timestamp=day_start(week.start) + timedelta(hours=9))
    return client


def test_an_editor_schedules_a_report_and_it_arrives(
    staff, acme, live_server, chromium, smtp_server, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    page = chromium.new_context().new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/admin/login/?next=/dashboard/")
    page.fill("#id_username", "e2e@corp.example")
    page.fill("#id_password", "e2e-password-123")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))

    page.goto(f"{live_server.url}/dashboard/clients/{acme.pk}/")
    page.get_by_role("link", name="+ Email this report every week or month").click()
    page.get_by_label("Recipients").fill("ana@client.example, bad address")
    page.get_by_label("Weekly (Monday to Sunday)").check()
    page.get_by_role("button", name="Save scheduled report").click()
    assert "Not an email address: bad address." in page.inner_text("form.card")

    page.get_by_label("Recipients").fill("ana@client.example\ne2e@corp.example")
    page.get_by_label("Language of the dates").select_option(label="Español")
    page.get_by_role("button", name="Save scheduled report").click()
    page.wait_for_url(re.compile(rf"/dashboard/clients/{acme.pk}/$"))
    assert "created" in page.inner_text(".messages")
    section = page.locator("section", has=page.get_by_role("heading", name="Scheduled reports"))
    assert "ana@client.example, e2e@corp.example" in section.inner_text()
    assert ReportSubscription.objects.get().language == "es"

    call_command("send_reports", "--now")
    [received] = smtp_server.inbox.wait_for(1)
    assert sorted(received.recipients) == ["ana@client.example", "e2e@corp.example"]
    assert received.message["Subject"].strip().startswith("Acme: clicks ")
    assert " de " in received.message["Subject"]
    html = received.part("text/html").get_content()
    assert "Poster" in html and ">3</td>" in html
    assert [p.get_content_type() for p in received.attachments()][-1] == "application/pdf"

    page.reload()
    assert "Sent" in section.inner_text()
    page.context.close()
    # The ORM calls made while Playwright's loop runs had a connection of their own.
    connections.close_all()
