"""Google sign-ins admitted to a client's portal (portal/admission.py) through allauth's
own views and our adapter, as in production (the `google` fixture fakes Google only)."""

import pytest

from accounts.models import User
from links.tests.factories import ClientFactory
from portal.models import PortalInvitation


@pytest.fixture
def acme(db):
    return ClientFactory(name="Acme", portal_domains=["acme.example"])


@pytest.fixture
def bravo(db):
    return ClientFactory(name="Bravo")


def test_an_address_on_a_portal_domain_enters_as_that_clients_viewer(client, google, acme):
    response = google.sign_in(client, email="Maria@Acme.example")

    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "maria@acme.example"
    assert user.role == "client"
    assert list(user.clients.all()) == [acme]
    # The overview of a person with one client is that client's page.
    home = client.get("/dashboard/", follow=True)
    assert home.request["PATH_INFO"] == f"/dashboard/clients/{acme.pk}/"
    body = home.content.decode()
    assert 'class="client-name">Acme</a>' in body
    assert "Macondo Link Manager</a>" not in body


def test_an_invited_address_enters_its_client_only(client, google, acme, bravo):
    PortalInvitation.objects.create(email="boss@gmail.example", client=bravo)

    google.sign_in(client, email="boss@gmail.example")

    user = User.objects.get()
    assert (user.role, list(user.clients.all())) == ("client", [bravo])


def test_another_address_of_that_domain_family_stays_out(client, google, acme):
    for email in ("ana@sub.acme.example", "ana@acme.example.evil.test", "ana@other.example"):
        response = google.sign_in(client, email=email)
        assert response.status_code == 403, email
    assert not User.objects.exists()


def test_an_unverified_portal_address_stays_out(client, google, acme):
    response = google.sign_in(client, email="maria@acme.example", verified=False)

    assert response.status_code == 403
    assert not User.objects.exists()


def test_staff_domains_are_checked_first_and_never_portal(client, google, db, settings):
    from django.core.exceptions import ValidationError

    from portal import access

    other = ClientFactory(name="Corp lookalike")
    with pytest.raises(ValidationError):
        access.set_domains(other, ["corp.example"])
    with pytest.raises(ValidationError):
        access.invite(other, ["ana@corp.example"])
    # Even a row written around the rule: staff wins.
    other.portal_domains = ["corp.example"]
    other.save()

    google.sign_in(client, email="ana@corp.example")

    user = User.objects.get()
    assert user.role == settings.DEFAULT_STAFF_ROLE
    assert not user.clients.exists()


def test_a_returning_viewer_follows_the_portal_rules_of_today(client, google, acme, bravo):
    google.sign_in(client, email="maria@acme.example")
    client.logout()
    acme.portal_domains = []
    acme.save()

    response = google.sign_in(client, email="maria@acme.example")
    assert response.status_code == 403

    PortalInvitation.objects.create(email="maria@acme.example", client=bravo)
    google.sign_in(client, email="maria@acme.example")
    user = User.objects.get()
    assert (user.role, list(user.clients.all())) == ("client", [bravo])


def test_a_client_viewer_sees_no_staff_navigation_and_no_other_client(client, google, acme):
    from links.tests.factories import LinkFactory

    LinkFactory(client=acme, short_code="acme-1")
    LinkFactory(client=ClientFactory(name="Bravo"), short_code="bravo-1")
    google.sign_in(client, email="maria@acme.example")

    page = client.get("/dashboard/links/").content.decode()

    assert "acme-1" in page and "bravo-1" not in page
    for staff_only in ("API keys", "Webhooks", "WhatsApp links", "+ New link", "People", "Admin"):
        assert staff_only not in page, staff_only
