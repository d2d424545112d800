"""Clients, campaigns and tags through HTTP: the names rule, restrictions, pagination."""

import pytest

from links.models import Campaign, Client, Link
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory, TagFactory

from .helpers import fields, problem


def test_creating_renaming_and_deleting_a_client(api):
    created = api.post("/api/v1/clients", {"name": "  Café Aroma "})
    assert created.status_code == 201, created.content
    client = Client.objects.get(pk=created.json()["id"])
    assert client.name == "Café Aroma"
    assert created["Location"] == f"/api/v1/clients/{client.pk}"
    renamed = api.patch(
        f"/api/v1/clients/{client.pk}", {"name": "Aroma"}, headers={"If-Match": created["ETag"]}
    )
    assert renamed.json()["name"] == "Aroma"
    stale = api.patch(
        f"/api/v1/clients/{client.pk}", {"name": "X"}, headers={"If-Match": created["ETag"]}
    )
    assert problem(stale, 412)
    LinkFactory(client=client)
    assert api.delete(f"/api/v1/clients/{client.pk}").status_code == 204
    assert not Client.objects.exists() and not Link.objects.exists()


@pytest.mark.parametrize("name", ["acme", " ACME ", "Acme"])
def test_a_client_name_taken_in_any_case_is_refused_with_the_dashboards_message(api, acme, name):
    body = problem(api.post("/api/v1/clients", {"name": name}), 422)
    assert body["errors"][0]["field"] == "name"
    assert body["errors"][0]["message"] == "A client named “Acme” already exists."


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "a\x00b"])
def test_a_bad_client_name_is_refused(api, name):
    assert fields(problem(api.post("/api/v1/clients", {"name": name}), 422)) == {"name"}


def test_renaming_onto_another_clients_name_is_refused(api, acme):
    other = ClientFactory(name="Other")
    body = problem(api.patch(f"/api/v1/clients/{other.pk}", {"name": "ACME"}), 422)
    assert "already exists" in body["errors"][0]["message"]
    other.refresh_from_db()
    assert other.name == "Other"


def test_clients_are_listed_by_name_in_pages(api):
    for name in ["b", "a", "d", "c", "e"]:
        ClientFactory(name=name)
    first = api.get("/api/v1/clients", limit=2).json()
    second = api.get("/api/v1/clients", limit=2, cursor=first["next_cursor"]).json()
    third = api.get("/api/v1/clients", limit=2, cursor=second["next_cursor"]).json()
    names = [c["name"] for page in (first, second, third) for c in page["items"]]
    assert names == ["a", "b", "c", "d", "e"]
    assert third["next_cursor"] is None
    assert [c["name"] for c in api.get("/api/v1/clients", q="C").json()["items"]] == ["c"]


def test_campaigns_belong_to_a_client_and_follow_the_names_rule(api, acme):
    created = api.post("/api/v1/campaigns", {"client_id": str(acme.pk), "name": "Summer"})
    assert created.status_code == 201, created.content
    assert created.json()["client"] == {"id": str(acme.pk), "name": "Acme"}
    clash = problem(
        api.post("/api/v1/campaigns", {"client_id": str(acme.pk), "name": "SUMMER"}), 422
    )
    assert clash["errors"][0]["message"] == "Client “Acme” already has a campaign named “Summer”."
    # The same name under another client is another campaign.
    other = ClientFactory()
    assert (
        api.post("/api/v1/campaigns", {"client_id": str(other.pk), "name": "Summer"}).status_code
        == 201
    )
    listed = api.get("/api/v1/campaigns", client_id=str(acme.pk)).json()["items"]
    assert [c["name"] for c in listed] == ["Summer"]


def test_a_campaign_is_renamed_and_deleted_and_its_links_stay(api, acme):
    campaign = CampaignFactory(client=acme, name="Old")
    link = LinkFactory(client=acme, campaign=campaign)
    assert api.patch(f"/api/v1/campaigns/{campaign.pk}", {"name": "New"}).json()["name"] == "New"
    assert api.delete(f"/api/v1/campaigns/{campaign.pk}").status_code == 204
    link.refresh_from_db()
    assert link.campaign is None and not Campaign.objects.exists()


def test_a_campaign_for_a_client_outside_the_key_is_refused_as_unknown(api_as):
    mine, other = ClientFactory(), ClientFactory()
    api = api_as(clients=[mine])
    body = problem(api.post("/api/v1/campaigns", {"client_id": str(other.pk), "name": "X"}), 422)
    assert fields(body) == {"client_id"}
    assert (
        api.post("/api/v1/campaigns", {"client_id": str(mine.pk), "name": "X"}).status_code == 201
    )


def test_tags_are_listed_and_searched(api):
    for name in ["summer", "Instagram", "promo"]:
        TagFactory(name=name)
    names = [t["name"] for t in api.get("/api/v1/tags").json()["items"]]
    assert sorted(names) == sorted(["summer", "Instagram", "promo"])
    assert [t["name"] for t in api.get("/api/v1/tags", q="INSTA").json()["items"]] == ["Instagram"]


def test_a_nul_in_a_search_is_a_field_error_not_a_crash(api):
    assert fields(problem(api.get("/api/v1/clients", q="a\x00"), 422)) == {"q"}


def test_a_retried_client_create_makes_one_client(api):
    headers = {"Idempotency-Key": "client-1"}
    first = api.post("/api/v1/clients", {"name": "Once"}, headers=headers)
    again = api.post("/api/v1/clients", {"name": "Once"}, headers=headers)
    assert again.json() == first.json() and Client.objects.count() == 1
