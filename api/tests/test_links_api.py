"""Links through HTTP: the dashboard's rules and messages, pagination, ETags, idempotency."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings

from api.models import IdempotentRequest
from links.models import Link, Tag
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory, TagFactory

from .helpers import fields, problem

LINKS = "/api/v1/links"


def new_link(client, **extra):
    return {"original_url": "https://example.com/landing", "client_id": str(client.pk), **extra}


def test_creating_a_link_answers_it_with_location_and_etag(api, acme, owner):
    campaign = CampaignFactory(client=acme, name="Summer")
    response = api.post(
        LINKS,
        new_link(
            acme,
            name=" Poster ",
            campaign_id=str(campaign.pk),
            tags=["Summer", "promo", "summer"],
            alias="acme-summer",
            expires_at="2030-01-01T10:00:00+02:00",
            forward_query=False,
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    link = Link.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v1/links/{link.pk}"
    assert response["ETag"].startswith('"')
    assert body["short_code"] == "acme-summer" == link.short_code
    assert body["short_url"] == link.short_url
    assert body["name"] == "Poster"
    assert body["campaign"] == {"id": str(campaign.pk), "name": "Summer"}
    assert body["client"] == {"id": str(acme.pk), "name": "Acme"}
    assert body["tags"] == ["promo", "Summer"]
    assert body["expires_at"] == "2030-01-01T08:00:00Z"
    assert body["forward_query"] is False and link.forward_query is False
    assert body["created_by"]["email"] == owner.email
    assert body["is_live"] is True
    # What the create answered is what a read answers.
    read = api.get(f"{LINKS}/{link.pk}")
    assert read.json() == body and read["ETag"] == response["ETag"]


def test_a_generated_code_and_a_normalised_destination(api, acme):
    body = api.post(LINKS, new_link(acme, original_url=" https://bücher.example/ä ")).json()
    assert len(body["short_code"]) == 7
    assert body["original_url"] == "https://xn--bcher-kva.example/%C3%A4"


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"original_url": "ftp://example.com/x"}, "original_url", "Only http and https"),
        ({"original_url": "example.com/x"}, "original_url", "full URL"),
        ({"original_url": "https://user:pw@example.com/"}, "original_url", "user name or password"),
        ({"original_url": "https://exa mple.com/"}, "original_url", "spaces"),
        ({"original_url": "https://example.com/" + "a" * 2100}, "original_url", "limit is 2048"),
        ({"original_url": ""}, "original_url", "required"),
        ({"alias": "ab"}, "alias", "3 to 50 characters"),
        ({"alias": "has space"}, "alias", "may only contain"),
        ({"alias": "dashboard"}, "alias", "reserved"),
        ({"name": "x" * 201}, "name", "at most 200"),
        ({"name": "nul\x00byte"}, "name", "Null characters"),
        ({"tags": ["t" * 101]}, "tags", "longer than 100"),
        ({"client_id": "00000000-0000-4000-8000-000000000000"}, "client_id", "valid choice"),
        ({"campaign_id": "00000000-0000-4000-8000-000000000000"}, "campaign_id", "valid choice"),
    ],
)
def test_every_input_the_dashboard_refuses_is_refused_with_its_message(
    api, acme, change, field, words
):
    body = problem(api.post(LINKS, new_link(acme, **change)), 422)
    assert fields(body) == {field}
    assert words in " ".join(error["message"] for error in body["errors"])
    assert Link.objects.count() == 0


def test_a_destination_pointing_back_at_the_app_is_a_loop(api, acme):
    host = django_settings.SHORT_LINK_BASE_URL
    body = problem(api.post(LINKS, new_link(acme, original_url=f"{host}/abc")), 422)
    assert "loop" in body["errors"][0]["message"]


def test_an_alias_taken_in_any_case_is_refused(api, acme):
    LinkFactory(short_code="Promo")
    body = problem(api.post(LINKS, new_link(acme, alias="promo")), 422)
    assert body["errors"][0]["field"] == "alias"
    assert "already taken" in body["errors"][0]["message"]


def test_a_campaign_of_another_client_is_refused(api, acme):
    foreign = CampaignFactory(name="Theirs")
    body = problem(api.post(LINKS, new_link(acme, campaign_id=str(foreign.pk))), 422)
    assert [(e["field"], e["message"]) for e in body["errors"]] == [
        ("campaign_id", "Campaign “Theirs” belongs to another client.")
    ]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"client_id": "x"}, "client_id"),
        ({"url": "https://example.com/"}, "url"),
        ({"expires_at": "2030-01-01T10:00:00"}, "expires_at"),
        ({"tags": "a,b"}, "tags"),
    ],
    ids=["bad-uuid", "unknown-field", "no-offset", "tags-not-a-list"],
)
def test_a_body_that_does_not_fit_the_schema_is_a_field_error(api, acme, body, field):
    result = problem(api.post(LINKS, {**new_link(acme), **body}), 422)
    assert field in fields(result)


def test_a_missing_field_is_named(api):
    assert fields(problem(api.post(LINKS, {}), 422)) == {"original_url", "client_id"}


# --- Listing ------------------------------------------------------------------------------
def test_the_list_pages_newest_first_with_a_stable_cursor(api, acme):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    links = LinkFactory.create_batch(7, client=acme)
    for index, link in enumerate(links):
        # Two links share each creation time: the cursor must still neither repeat nor skip.
        Link.objects.filter(pk=link.pk).update(created_at=base + timedelta(hours=index // 2))
    expected = [str(link.pk) for link in Link.objects.order_by("-created_at", "pk")]
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get(LINKS, **query).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        # A link created meanwhile does not shift later pages.
        LinkFactory(client=acme)
    assert seen == expected
    assert pages == 3


def test_the_list_takes_the_dashboards_filters_and_search(api, acme, colleague):
    summer = CampaignFactory(client=acme, name="Summer")
    tag = TagFactory(name="Instagram")
    hit = LinkFactory(client=acme, campaign=summer, user=colleague, name="Poster", tags=[tag])
    LinkFactory(client=acme, name="Other")
    LinkFactory(name="Poster elsewhere")
    Link.objects.filter(pk=hit.pk).update(created_at=datetime(2026, 3, 5, tzinfo=UTC))
    for query in (
        {"q": "poster", "client_id": str(acme.pk)},
        {"campaign_id": str(summer.pk)},
        {"tag": "instagram", "client_id": str(acme.pk)},
        {"creator_id": str(colleague.pk)},
        {"created_from": "2026-03-05", "created_to": "2026-03-05"},
        {"q": "Summer"},
    ):
        assert [i["id"] for i in api.get(LINKS, **query).json()["items"]] == [str(hit.pk)], query


def test_the_status_filter_tells_active_from_inactive_and_expired(api, acme):
    live = LinkFactory(client=acme)
    off = LinkFactory(client=acme, is_active=False)
    expired = LinkFactory(client=acme, expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert {i["id"] for i in api.get(LINKS, status="active").json()["items"]} == {str(live.pk)}
    assert {i["id"] for i in api.get(LINKS, status="inactive").json()["items"]} == {
        str(off.pk),
        str(expired.pk),
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ({"created_from": "2026-03-05", "created_to": "2026-03-01"}, "created_to"),
        ({"status": "gone"}, "status"),
        ({"limit": "1001"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"client_id": "00000000-0000-4000-8000-000000000000"}, "client_id"),
    ],
)
def test_a_bad_filter_is_refused_rather_than_ignored(api, acme, query, field):
    assert field in fields(problem(api.get(LINKS, **query), 422))


def test_listing_costs_the_same_queries_for_one_page_of_any_size(
    api, acme, django_assert_max_num_queries
):
    LinkFactory.create_batch(30, client=acme, tags=[TagFactory()])
    with django_assert_max_num_queries(4):  # key, links, tags; nothing per link
        assert len(api.get(LINKS, limit=30).json()["items"]) == 30


# --- One link -----------------------------------------------------------------------------
def test_reading_a_link_gives_its_etag(api, acme):
    link = LinkFactory(client=acme, tags=[TagFactory(name="b"), TagFactory(name="a")])
    response = api.get(f"{LINKS}/{link.pk}")
    assert response.status_code == 200
    assert response.json()["tags"] == ["a", "b"]
    assert response["ETag"] == api.get(f"{LINKS}/{link.pk}")["ETag"]


def test_an_unknown_link_is_a_404_problem(api):
    body = problem(api.get(f"{LINKS}/00000000-0000-4000-8000-000000000000"), 404)
    assert body["code"] == "not_found"
    assert problem(api.get(f"{LINKS}/not-a-uuid"), 404)


def test_a_change_applies_only_the_fields_sent(api, acme):
    link = LinkFactory(client=acme, name="Old", tags=[TagFactory(name="keep")])
    response = api.patch(f"{LINKS}/{link.pk}", {"name": "New", "tags": ["fresh", "keep"]})
    assert response.status_code == 200, response.content
    link.refresh_from_db()
    assert link.name == "New"
    assert link.original_url.startswith("https://example.com/page/")
    assert sorted(link.tags.values_list("name", flat=True)) == ["fresh", "keep"]
    assert response.json()["short_code"] == link.short_code


def test_a_change_clears_campaign_and_expiry_with_null(api, acme):
    link = LinkFactory(
        client=acme,
        campaign=CampaignFactory(client=acme),
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    body = api.patch(f"{LINKS}/{link.pk}", {"campaign_id": None, "expires_at": None}).json()
    assert body["campaign"] is None and body["expires_at"] is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"original_url": "javascript:alert(1)"}, "original_url"),
        ({"original_url": None}, "original_url"),
        ({"name": None}, "name"),
        ({"alias": "new-code"}, "alias"),
        ({"client_id": "00000000-0000-4000-8000-000000000000"}, "client_id"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(api, acme, change, field):
    link = LinkFactory(client=acme)
    before = api.get(f"{LINKS}/{link.pk}").json()
    assert field in fields(problem(api.patch(f"{LINKS}/{link.pk}", change), 422))
    assert api.get(f"{LINKS}/{link.pk}").json() == before


def test_moving_a_link_keeps_the_campaign_rule(api, acme):
    link = LinkFactory(client=acme, campaign=CampaignFactory(client=acme))
    other = ClientFactory()
    body = problem(api.patch(f"{LINKS}/{link.pk}", {"client_id": str(other.pk)}), 422)
    assert fields(body) == {"campaign_id"}


def test_if_match_protects_a_change_from_overwriting_another(api, acme):
    link = LinkFactory(client=acme)
    etag = api.get(f"{LINKS}/{link.pk}")["ETag"]
    first = api.patch(f"{LINKS}/{link.pk}", {"name": "First"}, headers={"If-Match": etag})
    assert first.status_code == 200
    assert first["ETag"] != etag
    late = api.patch(f"{LINKS}/{link.pk}", {"name": "Second"}, headers={"If-Match": etag})
    assert problem(late, 412)["code"] == "precondition_failed"
    assert problem(api.delete(f"{LINKS}/{link.pk}", headers={"If-Match": etag}), 412)
    link.refresh_from_db()
    assert link.name == "First"
    again = api.patch(f"{LINKS}/{link.pk}", {"name": "Second"}, headers={"If-Match": first["ETag"]})
    assert again.status_code == 200


def test_deactivating_and_reactivating_a_link(api, acme):
    link = LinkFactory(client=acme)
    off = api.post(f"{LINKS}/{link.pk}/deactivate")
    assert off.status_code == 200 and off.json()["is_active"] is False
    link.refresh_from_db()
    assert not link.is_active
    on = api.post(f"{LINKS}/{link.pk}/reactivate")
    assert on.json()["is_live"] is True
    assert on["ETag"] != off["ETag"]


def test_deleting_a_link_removes_it(api, acme):
    link = LinkFactory(client=acme)
    response = api.delete(f"{LINKS}/{link.pk}")
    assert response.status_code == 204 and response.content == b""
    assert not Link.objects.filter(pk=link.pk).exists()
    assert problem(api.delete(f"{LINKS}/{link.pk}"), 404)


# --- Idempotency --------------------------------------------------------------------------
def test_a_retried_create_returns_the_first_link_not_a_second(api, acme):
    headers = {"Idempotency-Key": "order-42"}
    first = api.post(LINKS, new_link(acme), headers=headers)
    again = api.post(LINKS, new_link(acme), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"] and again["ETag"] == first["ETag"]
    assert again["Idempotent-Replayed"] == "true"
    assert Link.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused(api, acme):
    headers = {"Idempotency-Key": "order-42"}
    api.post(LINKS, new_link(acme), headers=headers)
    other = api.post(LINKS, new_link(acme, name="Other"), headers=headers)
    assert problem(other, 422)["code"] == "idempotency_key_reused"
    assert Link.objects.count() == 1


def test_idempotency_keys_belong_to_one_api_key(api, api_as, acme):
    headers = {"Idempotency-Key": "same"}
    api.post(LINKS, new_link(acme), headers=headers)
    api_as().post(LINKS, new_link(acme), headers=headers)
    assert Link.objects.count() == 2


def test_a_failed_create_leaves_its_idempotency_key_free(api, acme):
    headers = {"Idempotency-Key": "retry-me"}
    problem(api.post(LINKS, new_link(acme, alias="x"), headers=headers), 422)
    assert api.post(LINKS, new_link(acme, alias="xyz"), headers=headers).status_code == 201


def test_a_retry_while_the_first_is_still_running_is_told_to_wait(api, acme):
    headers = {"Idempotency-Key": "busy"}
    assert api.post(LINKS, new_link(acme), headers=headers).status_code == 201
    # As while the first request still runs: its row is there, without an answer yet.
    IdempotentRequest.objects.filter(key="busy").update(status=None)
    waiting = api.post(LINKS, new_link(acme), headers=headers)
    assert problem(waiting, 409)["code"] == "idempotency_in_progress"
    assert waiting["Retry-After"] == "1"
    assert Link.objects.count() == 1


def test_an_expired_idempotency_key_can_be_used_again(api, acme, settings):
    headers = {"Idempotency-Key": "old"}
    api.post(LINKS, new_link(acme), headers=headers)
    IdempotentRequest.objects.update(created_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert api.post(LINKS, new_link(acme), headers=headers).status_code == 201
    assert Link.objects.count() == 2


def test_an_unprintable_idempotency_key_is_refused(api, acme):
    body = problem(api.post(LINKS, new_link(acme), headers={"Idempotency-Key": "x" * 256}), 422)
    assert fields(body) == {"Idempotency-Key"}


# --- Bulk ---------------------------------------------------------------------------------
def test_bulk_create_makes_every_link_in_order(api, acme):
    items = [new_link(acme, name=f"L{i}", tags=["bulk"]) for i in range(5)]
    response = api.post(f"{LINKS}/bulk", {"links": items})
    assert response.status_code == 201, response.content
    assert [item["name"] for item in response.json()["items"]] == [f"L{i}" for i in range(5)]
    assert Link.objects.count() == 5
    assert Tag.objects.filter(name="bulk").count() == 1


def test_bulk_create_is_all_or_nothing_with_every_bad_item_named(api, acme):
    items = [
        new_link(acme, alias="dup-1"),
        new_link(acme, original_url="ftp://x.example/"),
        new_link(acme, alias="DUP-1"),
        new_link(acme),
    ]
    body = problem(api.post(f"{LINKS}/bulk", {"links": items}), 422)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "links.1.original_url"),
        (2, "links.2.alias"),
    ]
    assert Link.objects.count() == 0
    assert Tag.objects.count() == 0


@pytest.mark.parametrize("count", [0, 1001])
def test_bulk_create_takes_one_to_a_thousand_links(api, acme, count):
    items = [new_link(acme)] * count
    assert "links" in fields(problem(api.post(f"{LINKS}/bulk", {"links": items}), 422))


def test_a_bulk_item_that_does_not_fit_the_schema_is_named_by_index(api, acme):
    body = problem(api.post(f"{LINKS}/bulk", {"links": [new_link(acme), {"name": "x"}]}), 422)
    assert {(e["field"], e["index"]) for e in body["errors"]} == {
        ("links.1.original_url", 1),
        ("links.1.client_id", 1),
    }


def test_a_retried_bulk_create_is_not_applied_twice(api, acme):
    headers = {"Idempotency-Key": "batch-7"}
    payload = {"links": [new_link(acme), new_link(acme)]}
    first = api.post(f"{LINKS}/bulk", payload, headers=headers)
    again = api.post(f"{LINKS}/bulk", payload, headers=headers)
    assert again.json() == first.json()
    assert Link.objects.count() == 2
