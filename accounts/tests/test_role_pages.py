"""Each role against each named dashboard URL: what it may open, and a 403 for the rest."""

import csv
import io

import pytest

from accounts.tests.factories import UserFactory
from links.models import Client, Link

from .dashboard_urls import (
    client_objects,
    dashboard_patterns,
    filled_urls,
    owned_objects,
    route_name,
)

ALL = {"admin", "editor", "viewer", "client"}
STAFF = {"admin", "editor", "viewer"}
WRITERS = {"admin", "editor"}
ADMINS = {"admin"}

# Route: (method, roles allowed, status when allowed). Objects belong to the client viewer's
# client and have clicks; the webhook, key and person objects are the requester's own.
EXPECTED = {
    "analytics:overview": ("get", ALL, 200),
    "analytics:link": ("get", ALL, 200),
    "analytics:client": ("get", ALL, 200),
    "analytics:campaign": ("get", ALL, 200),
    "analytics:compare": ("get", ALL, 200),
    "analytics:clicks-csv": ("get", WRITERS, 200),
    "analytics:report-csv": ("get", ALL, 200),
    # The evidence behind bot verdicts: staff only (see_bot_details).
    "analytics:client-invalid-traffic": ("get", STAFF, 200),
    "analytics:campaign-invalid-traffic": ("get", STAFF, 200),
    "analytics:client-invalid-traffic-csv": ("get", STAFF, 200),
    "analytics:campaign-invalid-traffic-csv": ("get", STAFF, 200),
    "links:list": ("get", ALL, 200),
    "links:create": ("get", WRITERS, 200),
    "links:import": ("get", WRITERS, 200),
    "links:import-template": ("get", WRITERS, 200),
    "links:export": ("get", ALL, 200),
    "links:edit": ("get", WRITERS, 200),
    "links:toggle": ("post", WRITERS, 302),
    "links:delete": ("get", WRITERS, 200),
    "links:qr-svg": ("get", ALL, 200),
    "links:qr-png": ("get", ALL, 200),
    "links:qr-options": ("get", ALL, 200),
    "links:client-utm-rules": ("get", WRITERS, 200),
    "links:utm-breaking": ("get", STAFF, 200),
    "links:clients": ("get", ALL, 200),
    "links:client-create": ("get", WRITERS, 200),
    "links:client-rename": ("get", WRITERS, 200),
    # With clicks: admins only.
    "links:client-delete": ("get", ADMINS, 200),
    "links:client-branding": ("get", WRITERS, 200),
    "links:client-logo": ("get", ALL, 200),
    "links:client-theme": ("get", ALL, 200),
    "links:campaigns": ("get", ALL, 200),
    "links:campaign-create": ("get", WRITERS, 200),
    "links:campaign-rename": ("get", WRITERS, 200),
    "links:campaign-delete": ("get", ADMINS, 200),
    "links:whatsapp": ("get", STAFF, 200),
    "webhooks:list": ("get", WRITERS, 200),
    "webhooks:create": ("get", WRITERS, 200),
    "webhooks:detail": ("get", WRITERS, 200),
    "webhooks:secret": ("post", WRITERS, 200),
    "webhooks:rotate": ("post", WRITERS, 200),
    "webhooks:pause": ("post", WRITERS, 302),
    "webhooks:resume": ("post", WRITERS, 302),
    "webhooks:delete": ("get", WRITERS, 200),
    "webhooks:delivery": ("get", WRITERS, 200),
    "mailings:create-for-client": ("get", WRITERS, 200),
    "mailings:create-for-campaign": ("get", WRITERS, 200),
    "mailings:edit": ("get", WRITERS, 200),
    "mailings:delete": ("get", WRITERS, 200),
    "mailings:send": ("post", WRITERS, 302),
    "sharing:manage-client": ("get", WRITERS, 200),
    "sharing:manage-campaign": ("get", WRITERS, 200),
    "sharing:manage-link": ("get", WRITERS, 200),
    "sharing:revoke": ("post", WRITERS, 302),
    "api:keys": ("get", STAFF, 200),
    "api:revoke": ("post", STAFF, 302),
    "accounts:people": ("get", ADMINS, 200),
    "accounts:person": ("get", ADMINS, 200),
    "accounts:person-sign-out": ("post", ADMINS, 302),
}


def test_every_dashboard_route_has_an_expectation():
    assert set(EXPECTED) == set(dashboard_patterns())


@pytest.fixture
def world(db):
    objects = client_objects("Acme")
    people = {}
    for role in ALL:
        person = UserFactory(email=f"{role}@corp.example", role=role)
        if role == "client":
            person.clients.set([objects["clients"]])
        people[role] = person
    return objects, people


@pytest.mark.parametrize("role", sorted(ALL))
def test_each_role_opens_what_it_may_and_is_refused_the_rest(client, world, role):
    objects, people = world
    me = people[role]
    client.force_login(me)
    # Someone else to change on the People page.
    other = UserFactory(email="other@corp.example")
    urls = filled_urls({**objects, **owned_objects(me, other)})
    wrong = []
    for label, url, _obj in urls:
        method, allowed, ok = EXPECTED[route_name(label)]
        if role == "client" and label == "analytics:overview":
            ok = 302  # straight to their one client's page
        status = getattr(client, method)(url).status_code
        expected = ok if role in allowed else 403
        if status != expected:
            wrong.append(f"{method.upper()} {label}: {status}, expected {expected}")
        if role not in allowed and method == "get":
            # A form's POST is refused the same way.
            status = client.post(url).status_code
            if status != 403:
                wrong.append(f"POST {label}: {status}, expected 403")
        if role == "admin" and label == "accounts:person-sign-out":
            client.force_login(me)
    assert not wrong, "\n".join(wrong)
    # Nothing was changed by a refused request.
    assert Client.objects.filter(pk=objects["clients"].pk).exists()
    if role not in WRITERS:
        link = Link.objects.get(pk=objects["links"].pk)
        assert link.is_active


def test_an_editor_deletes_a_client_and_a_campaign_without_clicks(client, db):
    objects = client_objects("Quiet", clicks=False)
    client.force_login(UserFactory(role="editor"))

    assert client.post(f"/dashboard/campaigns/{objects['campaigns'].pk}/delete/").status_code == 302
    assert client.post(f"/dashboard/clients/{objects['clients'].pk}/delete/").status_code == 302
    assert not Client.objects.filter(name="Quiet").exists()


def test_an_editor_may_not_delete_a_client_with_clicks_and_an_admin_may(client, db):
    objects = client_objects("Busy")
    client.force_login(UserFactory(role="editor"))
    url = f"/dashboard/clients/{objects['clients'].pk}/delete/"

    assert client.post(url).status_code == 403
    assert Client.objects.filter(name="Busy").exists()
    client.force_login(UserFactory(role="admin"))
    assert client.post(url).status_code == 302
    assert not Client.objects.filter(name="Busy").exists()


def test_raw_clicks_carry_ip_addresses_for_admins_only(client, db):
    objects = client_objects("Raw")
    url = f"/dashboard/links/{objects['links'].pk}/clicks.csv"
    answers = {}
    for role in ("admin", "editor"):
        client.force_login(UserFactory(role=role))
        response = client.get(url)
        text = b"".join(response.streaming_content).decode()
        answers[role] = list(csv.reader(io.StringIO(text)))

    assert "ip_address" in answers["admin"][0]
    assert "ip_address" not in answers["editor"][0]
    assert len(answers["admin"]) == len(answers["editor"]) == 2
    ip = objects["links"].clicks.get().ip_address
    assert ip in answers["admin"][1] and ip not in answers["editor"][1]


def test_pages_offer_only_the_controls_of_the_role(client, db):
    objects = client_objects("Shown")
    link = objects["links"]
    client.force_login(UserFactory(role="viewer"))

    page = client.get(f"/dashboard/links/{link.pk}/").content.decode()

    assert f"/dashboard/links/{link.pk}/edit/" not in page
    assert f"/dashboard/links/{link.pk}/delete/" not in page
    assert "clicks.csv" not in page
    assert "report.csv" in page
    client.force_login(UserFactory(role="editor"))
    page = client.get(f"/dashboard/links/{link.pk}/").content.decode()
    assert f"/dashboard/links/{link.pk}/edit/" in page
    assert "Raw clicks (CSV, without IP addresses)" in page


def test_a_client_viewer_sees_no_bot_details_and_no_staff(client, db):
    objects = client_objects("Portal")
    viewer = UserFactory(role="client")
    viewer.clients.set([objects["clients"]])
    client.force_login(viewer)

    report = client.get(f"/dashboard/clients/{objects['clients'].pk}/").content.decode()
    links_page = client.get("/dashboard/links/").content.decode()
    csv = client.get(f"/dashboard/clients/{objects['clients'].pk}/report.csv")

    assert "Bot clicks (" not in report
    assert "/admin/" not in report and "API keys" not in report
    assert objects["links"].user.get_short_name() not in links_page
    assert "bot_reason" not in b"".join(csv.streaming_content).decode()
