"""People who see only client A, walking every named dashboard URL and the API against the
objects of client B: another client's object is not found (404), never shown."""

import io

import pytest

from accounts.tests.factories import UserFactory
from api import keys
from links.models import Campaign, Client, Link

from .dashboard_urls import client_objects, filled_urls, owned_objects


@pytest.fixture
def two_clients(db):
    return client_objects("Alpha"), client_objects("Bravo")


def person_of(role, client):
    person = UserFactory(role=role)
    person.clients.set([client])
    return person


@pytest.mark.parametrize("role", ["client", "viewer", "editor"])
def test_every_dashboard_url_hides_another_clients_objects(client, two_clients, role):
    alpha, bravo = two_clients
    me = person_of(role, alpha["clients"])
    client.force_login(me)
    stranger = UserFactory(email="stranger@corp.example", role="editor")
    urls = filled_urls({**bravo, **owned_objects(stranger, stranger)})
    secrets = [bravo["clients"].name, bravo["campaigns"].name, bravo["links"].short_code]
    wrong = []
    for label, url, obj in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            if isinstance(obj, (Client, Campaign, Link)):
                # 405: a POST-only route refuses a GET before it looks at anything.
                if status != 404 and not (method == "get" and status == 405):
                    wrong.append(f"{method.upper()} {label}: {status}, expected 404")
            elif obj is not None:
                # Another person's webhook, key or account: refused or not found.
                if status not in (403, 404, 405):
                    wrong.append(f"{method.upper()} {label}: {status}, expected 403/404")
            elif method == "get" and status == 200 and not response.streaming:
                page = response.content.decode()
                shown = [s for s in secrets if s in page]
                if shown:
                    wrong.append(f"GET {label} shows {shown}")
            elif method == "get" and status == 200:
                body = b"".join(response.streaming_content).decode()
                shown = [s for s in secrets if s in body]
                if shown:
                    wrong.append(f"GET {label} exports {shown}")
    assert not wrong, "\n".join(wrong)
    # Nothing of Bravo's was changed or deleted along the way.
    assert Link.objects.get(pk=bravo["links"].pk).is_active
    assert Campaign.objects.filter(pk=bravo["campaigns"].pk).exists()


def test_lists_and_filters_offer_only_the_own_client(client, two_clients):
    alpha, bravo = two_clients
    client.force_login(person_of("client", alpha["clients"]))

    filtered = client.get("/dashboard/links/", {"client": bravo["clients"].pk})
    campaigns = client.get("/dashboard/campaigns/", {"client": bravo["clients"].pk})

    assert bravo["links"].short_code not in filtered.content.decode()
    assert bravo["campaigns"].name not in campaigns.content.decode()
    assert alpha["campaigns"].name in campaigns.content.decode()


def test_a_limited_editor_cannot_create_links_or_campaigns_for_another_client(client, two_clients):
    alpha, bravo = two_clients
    client.force_login(person_of("editor", alpha["clients"]))

    link = client.post(
        "/dashboard/links/new/",
        {"original_url": "https://example.com/x", "client": bravo["clients"].pk},
    )
    campaign = client.post(
        "/dashboard/campaigns/new/", {"client": bravo["clients"].pk, "name": "Sneaky"}
    )
    new_client = client.post("/dashboard/clients/new/", {"name": "Charlie"})

    assert link.status_code == 200 and "client" in link.context["form"].errors
    assert campaign.status_code == 200 and "client" in campaign.context["form"].errors
    assert new_client.status_code == 403
    assert Link.objects.filter(client=bravo["clients"]).count() == 1
    assert not Campaign.objects.filter(name="Sneaky").exists()
    assert not Client.objects.filter(name="Charlie").exists()


def api_get(client, secret, path):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_an_api_key_reaches_no_further_than_its_owner(client, two_clients):
    alpha, bravo = two_clients
    owner = person_of("viewer", alpha["clients"])
    # Asked for every client and a write scope: the owner's role and clients still bound it.
    secret = keys.issue(
        user=owner, name="sheet", scopes=["links:read", "stats:read", "links:write"]
    ).secret

    assert api_get(client, secret, f"/api/v1/links/{alpha['links'].pk}").status_code == 200
    for path in (
        f"/api/v1/links/{bravo['links'].pk}",
        f"/api/v1/clients/{bravo['clients'].pk}",
        f"/api/v1/campaigns/{bravo['campaigns'].pk}",
        f"/api/v1/links/{bravo['links'].pk}/stats",
    ):
        assert api_get(client, secret, path).status_code == 404, path
    listed = api_get(client, secret, "/api/v1/links").json()["items"]
    assert [item["id"] for item in listed] == [str(alpha["links"].pk)]
    # A viewer's key writes nothing and reads no raw clicks.
    patch = client.patch(
        f"/api/v1/links/{alpha['links'].pk}",
        {"name": "changed"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert patch.status_code == 403
    assert api_get(client, secret, f"/api/v1/links/{alpha['links'].pk}/clicks").status_code == 403


def test_an_editors_api_clicks_carry_no_ip_addresses(client, two_clients):
    alpha, _bravo = two_clients
    editor = UserFactory(role="editor")
    admin = UserFactory(role="admin")
    path = f"/api/v1/links/{alpha['links'].pk}/clicks"
    seen = {}
    for person in (editor, admin):
        secret = keys.issue(user=person, name="raw", scopes=["stats:read"]).secret
        seen[person.role] = api_get(client, secret, path).json()["items"][0]["ip_address"]

    assert seen["editor"] is None
    assert seen["admin"] == alpha["links"].clicks.get().ip_address


def test_a_key_loses_what_its_owner_loses(client, two_clients):
    alpha, _bravo = two_clients
    owner = UserFactory(role="editor")
    secret = keys.issue(user=owner, name="bot", scopes=["links:read"]).secret
    path = f"/api/v1/links/{alpha['links'].pk}"
    assert api_get(client, secret, path).status_code == 200

    owner.role = "client"
    owner.save()

    assert api_get(client, secret, path).status_code == 403


def test_an_import_finds_only_the_own_clients(client, two_clients):
    alpha, bravo = two_clients
    client.force_login(person_of("editor", alpha["clients"]))
    rows = "destination,client\nhttps://example.com/a,Alpha\nhttps://example.com/b,Bravo\n"
    upload = io.BytesIO(rows.encode())
    upload.name = "links.csv"

    response = client.post("/dashboard/links/import/", {"file": upload})

    assert response.status_code == 200
    assert "No client named “Bravo”" in response.content.decode()
    assert Link.objects.count() == 2  # the two of the fixture: nothing imported
