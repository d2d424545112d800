"""Webhook subscriptions through HTTP: the dashboard's URL and event rules, the owner's
subscriptions only, pagination, idempotency, ETags, pause/resume/rotate, deliveries."""

import pytest

from accounts.tests.factories import UserFactory
from api.models import IdempotentRequest
from links.tests.factories import ClientFactory
from webhooks import events
from webhooks.models import Delivery, Subscription
from webhooks.tests.factories import SubscriptionFactory
from webhooks.tests.helpers import create_link

from .helpers import fields, problem

WEBHOOKS = "/api/v1/webhooks"
ALL_WEBHOOKS = ("webhooks:read", "webhooks:write")


@pytest.fixture(autouse=True)
def _production_targets(settings):
    """https and public addresses only, as in production; nothing cached about subscriptions."""
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    events.forget_subscriptions()
    yield
    events.forget_subscriptions()


def new_subscription(**extra):
    return {"url": "https://hooks.example.com/macondo", "events": ["link.created"], **extra}


def test_creating_a_subscription_answers_its_secret_once(api, owner):
    response = api.post(
        WEBHOOKS, new_subscription(events=["clicks.recorded", "link.created"], description=" CRM ")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    subscription = Subscription.objects.get(pk=body["id"])
    assert subscription.owner == owner
    assert response["Location"] == f"{WEBHOOKS}/{subscription.pk}"
    assert body["secret"] == subscription.secret
    assert body["events"] == ["link.created", "clicks.recorded"] == subscription.events
    assert body["description"] == "CRM"
    assert body["status"] == "active"
    assert body["last_delivery"] is None
    read = api.get(f"{WEBHOOKS}/{subscription.pk}")
    assert "secret" not in read.json()
    assert read.json()["secret_hint"] == subscription.secret_hint
    # The create's ETag is the read's: the secret is not part of the representation.
    assert read["ETag"] == response["ETag"]
    assert read.json() == {key: value for key, value in body.items() if key != "secret"}


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"url": "ftp://hooks.example.com/"}, "url", "https://"),
        ({"url": "not a url"}, "url", "spaces"),
        ({"url": "http://hooks.example.com/"}, "url", "https only"),
        ({"url": "https://10.0.0.8/hook"}, "url", "public addresses only"),
        ({"url": "https://127.0.0.1/hook"}, "url", "loopback"),
        ({"url": "https://localhost/hook"}, "url", "this machine"),
        ({"url": "https://user:pw@hooks.example.com/"}, "url", "user name or password"),
        ({"events": ["link.exploded"]}, "events", "Unknown event link.exploded"),
        ({"events": []}, "events", "at least one"),
        ({"description": "d" * 201}, "description", "longer than 200"),
    ],
)
def test_every_input_the_dashboard_refuses_is_refused_with_its_message(api, change, field, words):
    body = problem(api.post(WEBHOOKS, new_subscription(**change)), 422)
    assert fields(body) == {field}
    assert words in body["errors"][0]["message"]
    assert not Subscription.objects.exists()


def test_a_field_the_api_does_not_know_is_refused(api):
    body = problem(api.post(WEBHOOKS, new_subscription(secret="mine")), 422)
    assert fields(body) == {"secret"}


def test_reading_needs_webhooks_read_and_writing_webhooks_write(api_as, owner):
    subscription = SubscriptionFactory(owner=owner)
    reader = api_as(scopes=["webhooks:read"])
    writer = api_as(scopes=["webhooks:write"])
    links_only = api_as(scopes=["links:read", "links:write"])
    assert reader.get(WEBHOOKS).status_code == 200
    assert problem(reader.post(WEBHOOKS, new_subscription()), 403)["code"] == "insufficient_scope"
    assert problem(writer.get(WEBHOOKS), 403)["code"] == "insufficient_scope"
    assert writer.post(f"{WEBHOOKS}/{subscription.pk}/pause").status_code == 200
    for url in (
        WEBHOOKS,
        f"{WEBHOOKS}/{subscription.pk}",
        f"{WEBHOOKS}/{subscription.pk}/deliveries",
    ):
        assert problem(links_only.get(url), 403)["code"] == "insufficient_scope"


def test_a_key_restricted_to_some_clients_cannot_manage_subscriptions(api_as, owner):
    restricted = api_as(scopes=ALL_WEBHOOKS, clients=[ClientFactory()])
    body = problem(restricted.post(WEBHOOKS, new_subscription()), 403)
    assert body["code"] == "restricted_key"
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "method, suffix",
    [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/pause"),
        ("post", "/resume"),
        ("post", "/rotate-secret"),
        ("get", "/deliveries"),
    ],
)
def test_another_owners_subscription_is_not_found(api, method, suffix):
    theirs = SubscriptionFactory(owner=UserFactory())
    url = f"{WEBHOOKS}/{theirs.pk}{suffix}"
    response = (
        api.patch(url, {"description": "mine"}) if method == "patch" else getattr(api, method)(url)
    )
    assert problem(response, 404)["code"] == "not_found"
    theirs.refresh_from_db()
    assert (theirs.description, theirs.status) == ("", "active")


def test_the_list_holds_only_the_owners_subscriptions_page_by_page(api, owner):
    mine = SubscriptionFactory.create_batch(5, owner=owner)
    SubscriptionFactory(owner=UserFactory())
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get(WEBHOOKS, **query).json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # Newest first, then by id: the order the cursor follows.
    expected = sorted(mine, key=lambda s: (-s.created_at.timestamp(), str(s.pk)))
    assert seen == [str(s.pk) for s in expected]


def test_a_cursor_the_list_did_not_give_out_is_refused(api):
    assert fields(problem(api.get(WEBHOOKS, cursor="nonsense"), 422)) == {"cursor"}


def test_a_retried_create_with_the_same_idempotency_key_answers_the_first(api):
    headers = {"Idempotency-Key": "hook-1"}
    first = api.post(WEBHOOKS, new_subscription(), headers=headers)
    again = api.post(WEBHOOKS, new_subscription(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Subscription.objects.count() == 1
    other = api.post(WEBHOOKS, new_subscription(description="other"), headers=headers)
    assert problem(other, 422)["code"] == "idempotency_key_reused"
    assert IdempotentRequest.objects.count() == 1


def test_changing_sends_only_the_fields_given(api, owner):
    subscription = SubscriptionFactory(owner=owner, description="Old", events=["link.created"])
    response = api.patch(
        f"{WEBHOOKS}/{subscription.pk}", {"events": ["link.deleted", "link.updated"]}
    )
    assert response.status_code == 200, response.content
    subscription.refresh_from_db()
    assert subscription.events == ["link.updated", "link.deleted"] == response.json()["events"]
    assert subscription.description == "Old"
    assert response["ETag"] == api.get(f"{WEBHOOKS}/{subscription.pk}")["ETag"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"url": "http://hooks.example.com/"}, "url"),
        ({"events": ["nope"]}, "events"),
        ({"url": None}, "url"),
        ({"events": None}, "events"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(api, owner, change, field):
    subscription = SubscriptionFactory(owner=owner)
    before = (subscription.url, subscription.events)
    body = problem(api.patch(f"{WEBHOOKS}/{subscription.pk}", change), 422)
    assert fields(body) == {field}
    subscription.refresh_from_db()
    assert (subscription.url, subscription.events) == before


@pytest.mark.parametrize(
    "method, suffix",
    [("patch", ""), ("delete", ""), ("post", "/pause"), ("post", "/rotate-secret")],
)
def test_a_change_with_a_stale_etag_is_refused(api, owner, method, suffix):
    subscription = SubscriptionFactory(owner=owner)
    etag = api.get(f"{WEBHOOKS}/{subscription.pk}")["ETag"]
    assert api.patch(f"{WEBHOOKS}/{subscription.pk}", {"description": "Theirs"}).status_code == 200
    url = f"{WEBHOOKS}/{subscription.pk}{suffix}"
    headers = {"If-Match": etag}
    if method == "patch":
        response = api.patch(url, {"description": "Mine"}, headers=headers)
    else:
        response = getattr(api, method)(url, headers=headers)
    assert problem(response, 412)["code"] == "precondition_failed"
    subscription.refresh_from_db()
    assert (subscription.description, subscription.status) == ("Theirs", "active")


def test_a_change_with_the_current_etag_goes_through(api, owner):
    subscription = SubscriptionFactory(owner=owner)
    etag = api.get(f"{WEBHOOKS}/{subscription.pk}")["ETag"]
    response = api.patch(
        f"{WEBHOOKS}/{subscription.pk}", {"description": "Mine"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_pausing_and_resuming(api, owner):
    subscription = SubscriptionFactory(owner=owner)
    paused = api.post(f"{WEBHOOKS}/{subscription.pk}/pause")
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    assert "test" in paused.json()["pause_reason"]  # the key's name
    subscription.refresh_from_db()
    assert subscription.status == "paused" and subscription.paused_at is not None
    resumed = api.post(f"{WEBHOOKS}/{subscription.pk}/resume").json()
    assert (resumed["status"], resumed["paused_at"], resumed["pause_reason"]) == (
        "active",
        None,
        "",
    )
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_rotating_the_secret_answers_the_new_one(api, owner):
    subscription = SubscriptionFactory(owner=owner)
    old = subscription.secret
    response = api.post(f"{WEBHOOKS}/{subscription.pk}/rotate-secret")
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert response.json()["secret"] == subscription.secret
    assert response["ETag"] == api.get(f"{WEBHOOKS}/{subscription.pk}")["ETag"]


def test_deleting_takes_the_deliveries_too(api, owner):
    subscription = SubscriptionFactory(owner=owner)
    create_link(owner)
    assert Delivery.objects.filter(subscription=subscription).count() == 1
    response = api.delete(f"{WEBHOOKS}/{subscription.pk}")
    assert response.status_code == 204
    assert not Subscription.objects.exists() and not Delivery.objects.exists()
    assert problem(api.get(f"{WEBHOOKS}/{subscription.pk}"), 404)["code"] == "not_found"


def test_deliveries_are_listed_newest_first_with_status_attempts_and_error(api, owner):
    subscription = SubscriptionFactory(owner=owner, events=["link.created"])
    create_link(owner)
    create_link(owner)
    older, newer = Delivery.objects.filter(subscription=subscription).order_by("created_at")
    Delivery.objects.filter(pk=older.pk).update(
        status="failed", attempts=3, last_status_code=502, last_error="Bad gateway"
    )
    body = api.get(f"{WEBHOOKS}/{subscription.pk}/deliveries").json()
    assert [item["id"] for item in body["items"]] == [str(newer.pk), str(older.pk)]
    failed = body["items"][1]
    assert (failed["status"], failed["attempts"], failed["last_status_code"]) == ("failed", 3, 502)
    assert failed["last_error"] == "Bad gateway"
    assert failed["event_type"] == "link.created"
    assert body["items"][0]["status"] == "pending"
    # The subscription shows its newest delivery.
    last = api.get(f"{WEBHOOKS}/{subscription.pk}").json()["last_delivery"]
    assert (last["status"], last["attempts"]) == ("pending", 0)
    limited = api.get(f"{WEBHOOKS}/{subscription.pk}/deliveries", limit=1).json()
    assert [item["id"] for item in limited["items"]] == [str(newer.pk)]
