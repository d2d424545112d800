"""Keys on the dashboard (a colleague's own) and in the admin (everyone's)."""

import re

import pytest

from accounts.tests.factories import UserFactory
from api import keys
from api.models import ApiKey
from links.tests.factories import ClientFactory

from .helpers import Api

PAGE = "/dashboard/api-keys/"
SECRET = re.compile(r"mk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_the_page_needs_a_signed_in_colleague(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_colleague_creates_a_key_and_sees_the_secret_once(signed_in, owner):
    acme = ClientFactory(name="Acme")
    response = signed_in.post(
        PAGE,
        {"name": "Zapier", "scopes": ["links:read", "links:write"], "clients": [str(acme.pk)]},
    )
    assert response.status_code == 200
    [secret] = SECRET.findall(response.content.decode())
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    assert key.user == owner and key.name == "Zapier"
    assert key.scopes == ["links:read", "links:write"]
    assert list(key.clients.all()) == [acme] and not key.all_clients
    assert key.secret_hash == keys.hash_secret(secret)
    # It works, and it is never shown again.
    assert Api(secret).get("/api/v1/links").status_code == 200
    listed = signed_in.get(PAGE).content.decode()
    assert secret not in listed and key.prefix in listed and "Acme" in listed


def test_a_key_needs_a_name_and_a_scope(signed_in):
    response = signed_in.post(PAGE, {"name": "", "scopes": []})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()
    assert not SECRET.findall(response.content.decode())


def test_an_expiry_in_the_past_is_refused(signed_in):
    response = signed_in.post(
        PAGE, {"name": "Old", "scopes": ["links:read"], "expires_at": "2020-01-01T10:00"}
    )
    assert response.status_code == 400 and "past" in response.content.decode()


def test_a_colleague_sees_and_revokes_only_their_own_keys(signed_in, owner, make_key):
    mine = make_key(name="mine").key
    theirs = make_key(name="theirs", user=UserFactory()).key
    page = signed_in.get(PAGE).content.decode()
    assert "mine" in page and "theirs" not in page
    assert signed_in.post(f"{PAGE}{theirs.pk}/revoke/").status_code == 404
    response = signed_in.post(f"{PAGE}{mine.pk}/revoke/")
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at and not theirs.revoked_at
    assert "revoked" in signed_in.get(PAGE).content.decode()


def test_revoking_needs_a_post(signed_in, make_key):
    key = make_key().key
    assert signed_in.get(f"{PAGE}{key.pk}/revoke/").status_code == 405


def test_an_admin_creates_a_key_for_anyone_and_sees_it_once(admin_client, colleague):
    response = admin_client.post(
        "/admin/api/apikey/add/",
        {
            "name": "Sheets",
            "user": str(colleague.pk),
            "scopes": ["stats:read"],
            "all_clients": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    [secret] = SECRET.findall(response.content.decode())
    key = ApiKey.objects.get()
    assert key.user == colleague and key.secret_hash == keys.hash_secret(secret)
    assert Api(secret).get("/api/v1/tags").status_code == 200
    changelist = admin_client.get("/admin/api/apikey/").content.decode()
    assert key.prefix in changelist and secret not in changelist


def test_an_admin_revokes_keys_in_bulk(admin_client, make_key):
    issued = make_key()
    admin_client.post(
        "/admin/api/apikey/",
        {"action": "revoke", "_selected_action": [str(issued.key.pk)]},
    )
    assert Api(issued.secret).get("/api/v1/tags").status_code == 401


def test_an_admin_restricts_a_new_key_to_some_clients(admin_client, colleague):
    acme, other = ClientFactory(name="Acme"), ClientFactory(name="Other")
    response = admin_client.post(
        "/admin/api/apikey/add/",
        {
            "name": "One",
            "user": str(colleague.pk),
            "scopes": ["links:read"],
            "clients": [str(acme.pk)],
        },
        follow=True,
    )
    [secret] = SECRET.findall(response.content.decode())
    names = [c["name"] for c in Api(secret).get("/api/v1/clients").json()["items"]]
    assert names == ["Acme"] and other.name not in names


def test_the_dashboard_navigation_leads_to_the_keys(signed_in):
    page = signed_in.get("/dashboard/").content.decode()
    assert f'href="{PAGE}"' in page


def test_a_colleague_makes_a_key_for_webhooks_on_the_page(signed_in, owner):
    page = signed_in.get(PAGE).content.decode()
    assert 'value="webhooks:read"' in page and 'value="webhooks:write"' in page
    response = signed_in.post(PAGE, {"name": "CRM", "scopes": ["webhooks:read", "webhooks:write"]})
    [secret] = SECRET.findall(response.content.decode())
    assert ApiKey.objects.get().scopes == ["webhooks:read", "webhooks:write"]
    assert Api(secret).get("/api/v1/webhooks").status_code == 200
