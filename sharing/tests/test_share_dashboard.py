"""Creating and revoking share links from the dashboard's report pages."""

import re

import pytest

from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory
from sharing.models import ShareLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def acme():
    return ClientFactory(name="Acme")


def new_url(response):
    match = re.search(r'<code id="new-share-url">([^<]+)</code>', response.content.decode())
    return match.group(1) if match else None


@pytest.mark.parametrize("kind", ["client", "campaign", "link"])
def test_each_report_page_offers_sharing(staff_client, acme, kind):
    subject = {
        "client": acme,
        "campaign": CampaignFactory(client=acme),
        "link": LinkFactory(client=acme),
    }[kind]
    report = staff_client.get(f"/dashboard/{kind}s/{subject.pk}/")
    assert f'href="/dashboard/{kind}s/{subject.pk}/share/"' in report.content.decode()

    response = staff_client.post(
        f"/dashboard/{kind}s/{subject.pk}/share/",
        {"sections": ["chart", "top_links"], "range": "30"},
        follow=True,
    )

    share = ShareLink.objects.get()
    assert share.subject == subject
    assert share.client == acme
    assert share.sections == ["chart", "top_links"]
    url = new_url(response)
    assert url and url.startswith("http") and "/r/" in url
    # Shown once only.
    again = staff_client.get(f"/dashboard/{kind}s/{subject.pk}/share/")
    assert new_url(again) is None
    assert "chart, top_links" in again.content.decode()


def test_the_new_link_opens_signed_out(staff_client, client, acme, settings):
    settings.SHORT_LINK_BASE_URL = "https://mcd.example"
    response = staff_client.post(
        f"/dashboard/clients/{acme.pk}/share/", {"range": "7", "sections": ["chart"]}, follow=True
    )
    path = new_url(response).removeprefix("https://mcd.example")
    staff_client.logout()

    assert client.get(path).status_code == 200


def test_a_fixed_range_needs_both_days(staff_client, acme):
    response = staff_client.post(f"/dashboard/clients/{acme.pk}/share/", {"range": "fixed"})

    assert response.status_code == 200
    assert "Choose the first day." in response.content.decode()
    assert not ShareLink.objects.exists()


def test_a_fixed_range_and_password_and_expiry(staff_client, acme):
    staff_client.post(
        f"/dashboard/clients/{acme.pk}/share/",
        {
            "range": "fixed",
            "start_day": "2026-01-01",
            "end_day": "2026-01-31",
            "expires_at": "2099-01-01T00:00",
            "password": "s3cret pass",
            "sections": ["chart"],
        },
    )

    share = ShareLink.objects.get()
    assert (share.rolling_days, str(share.start_day), str(share.end_day)) == (
        None,
        "2026-01-01",
        "2026-01-31",
    )
    assert share.has_password and share.password != "s3cret pass"
    assert share.expires_at.year == 2099


def test_an_expiry_in_the_past_is_refused(staff_client, acme):
    response = staff_client.post(
        f"/dashboard/clients/{acme.pk}/share/", {"range": "30", "expires_at": "2001-01-01T00:00"}
    )

    assert "Choose a moment in the future." in response.content.decode()


def test_revoking_from_the_dashboard(staff_client, client, acme):
    response = staff_client.post(
        f"/dashboard/clients/{acme.pk}/share/", {"range": "30"}, follow=True
    )
    path = "/r/" + new_url(response).rpartition("/r/")[2]
    share = ShareLink.objects.get()

    staff_client.post(f"/dashboard/shares/{share.pk}/revoke/")

    assert client.get(path).status_code == 410
    page = staff_client.get(f"/dashboard/clients/{acme.pk}/share/").content.decode()
    assert "revoked" in page


def test_revoking_needs_a_post(staff_client, acme):
    from sharing.services import create_share

    share, _token = create_share(acme)

    assert staff_client.get(f"/dashboard/shares/{share.pk}/revoke/").status_code == 405


def test_sharing_needs_a_sign_in(client, acme):
    response = client.get(f"/dashboard/clients/{acme.pk}/share/")

    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_an_unknown_report_is_404(staff_client):
    import uuid

    assert staff_client.get(f"/dashboard/clients/{uuid.uuid4()}/share/").status_code == 404


@pytest.fixture
def two_clients():
    from sharing.services import create_share

    alpha, bravo = ClientFactory(name="Alpha"), ClientFactory(name="Bravo")
    bravo_objects = {
        "clients": bravo,
        "campaigns": CampaignFactory(client=bravo),
        "links": LinkFactory(client=bravo),
    }
    return alpha, bravo_objects, create_share(bravo)[0]


@pytest.mark.parametrize("role", ["editor", "client"])
def test_another_clients_objects_cannot_be_shared_nor_revoked(client, two_clients, role):
    from accounts.tests.factories import UserFactory

    alpha, bravo, bravo_share = two_clients
    me = UserFactory(role=role)
    me.clients.set([alpha])
    client.force_login(me)

    for kind, obj in bravo.items():
        url = f"/dashboard/{kind}/{obj.pk}/share/"
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"range": "30"}).status_code == 404, url
    assert client.post(f"/dashboard/shares/{bravo_share.pk}/revoke/").status_code == 404
    assert ShareLink.objects.count() == 1
    bravo_share.refresh_from_db()
    assert bravo_share.revoked_at is None


@pytest.mark.parametrize("role", ["viewer", "client"])
def test_only_editors_share(client, acme, role):
    from accounts.tests.factories import UserFactory

    me = UserFactory(role=role)
    me.clients.set([acme])
    client.force_login(me)

    assert client.get(f"/dashboard/clients/{acme.pk}/share/").status_code == 403
    assert "Share report" not in client.get(f"/dashboard/clients/{acme.pk}/").content.decode()
