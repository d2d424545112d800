"""The client's admin page: portal domains, invitations, logo and colour, by the same rules."""

import pytest

from accounts.tests.factories import UserFactory
from links.models import Client
from links.tests.factories import ClientFactory
from portal.models import PortalInvitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client):
    client.force_login(UserFactory(role="admin"))
    return client


def change(admin_browser, acme, **extra):
    data = {
        "name": acme.name,
        "accent_color": "",
        "portal_domains": "",
        "campaigns-TOTAL_FORMS": "0",
        "campaigns-INITIAL_FORMS": "0",
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
        **extra,
    }
    return admin_browser.post(f"/admin/links/client/{acme.pk}/change/", data)


def test_the_admin_sets_domains_invitations_and_colour(admin_browser, settings):
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    acme = ClientFactory(name="Acme")
    page = admin_browser.get(f"/admin/links/client/{acme.pk}/change/").content.decode()
    assert "Portal domains" in page and "invitations-TOTAL_FORMS" in page

    response = change(
        admin_browser,
        acme,
        accent_color="#ABC",
        portal_domains="Acme.example, acme-shop.example",
        **{"invitations-TOTAL_FORMS": "1", "invitations-0-email": "Boss@Gmail.example"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    acme = Client.objects.get(pk=acme.pk)
    assert acme.portal_domains == ["acme.example", "acme-shop.example"]
    assert acme.accent_color == "#aabbcc"
    invitation = PortalInvitation.objects.get()
    assert invitation.email == "boss@gmail.example" and invitation.invited_by is not None


def test_the_admin_refuses_a_staff_domain_and_a_staff_invitation(admin_browser, settings):
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    acme = ClientFactory(name="Acme")

    response = change(
        admin_browser,
        acme,
        portal_domains="corp.example",
        **{"invitations-TOTAL_FORMS": "1", "invitations-0-email": "ana@corp.example"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "the agency&#x27;s own domain" in body or "the agency's own domain" in body
    assert Client.objects.get(pk=acme.pk).portal_domains == []
    assert not PortalInvitation.objects.exists()


def test_share_links_are_revoked_from_the_admin(admin_browser, client):
    from sharing.services import create_share

    share, token = create_share(ClientFactory(name="Acme"))

    admin_browser.post(
        "/admin/sharing/sharelink/", {"action": "revoke", "_selected_action": [share.pk]}
    )

    share.refresh_from_db()
    assert share.revoked_at is not None
