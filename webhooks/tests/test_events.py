"""Which events are recorded, when, and with what payload: link changes through the
dashboard and the admin, rollbacks, and clicks announced by the loader after COMMIT."""

import json
import logging
import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from analytics.clicks.spool import loading, recording
from analytics.clicks.visit import Visit
from analytics.models import Click
from links import services as link_services
from links.models import Link
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory
from webhooks import events
from webhooks.models import Delivery, Event

from .factories import SubscriptionFactory
from .helpers import create_link

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def bodies(event_type=None):
    found = Event.objects.order_by("created_at")
    if event_type:
        found = found.filter(type=event_type)
    return [json.loads(event.body) for event in found]


def test_each_dashboard_change_records_one_event_with_the_link(signed_in, owner):
    everything = SubscriptionFactory(owner=owner)
    deletions = SubscriptionFactory(owner=owner, events=["link.deleted"])
    campaign = CampaignFactory(name="Summer 2026")
    signed_in.post(
        "/dashboard/links/new/",
        {
            "name": "Poster",
            "original_url": "https://example.com/poster",
            "client": campaign.client_id,
            "campaign": campaign.pk,
            "tags": "print, Summer",
            "alias": "poster-1",
            "expires_at": "2030-01-01T10:00",
            "forward_query": "on",
        },
    )
    link = Link.objects.get()
    [created] = bodies()
    assert created["type"] == "link.created"
    assert created["id"] == str(Event.objects.get().pk)
    assert datetime.fromisoformat(created["occurred_at"]).utcoffset().total_seconds() == 0
    assert created["data"]["link"] == {
        "id": str(link.pk),
        "short_code": "poster-1",
        "short_url": link.short_url,
        "original_url": "https://example.com/poster",
        "name": "Poster",
        "client": {"id": str(campaign.client_id), "name": campaign.client.name},
        "campaign": {"id": str(campaign.pk), "name": "Summer 2026"},
        "tags": ["print", "Summer"],
        "is_active": True,
        "expires_at": "2030-01-01T10:00:00+00:00",
        "forward_query": True,
        "created_at": link.created_at.astimezone(UTC).isoformat(),
        "updated_at": link.updated_at.astimezone(UTC).isoformat(),
    }
    assert list(Delivery.objects.values_list("subscription", flat=True)) == [everything.pk]

    signed_in.post(
        f"/dashboard/links/{link.pk}/edit/",
        {
            "name": "Poster, v2",
            "original_url": "https://example.com/poster",
            "client": link.client_id,
        },
    )
    signed_in.post(f"/dashboard/links/{link.pk}/active/", {"active": "0"})
    signed_in.post(f"/dashboard/links/{link.pk}/delete/")
    assert [body["type"] for body in bodies()] == [
        "link.created",
        "link.updated",
        "link.updated",
        "link.deleted",
    ]
    _created, edited, deactivated, deleted = bodies()
    assert edited["data"]["link"]["name"] == "Poster, v2"
    assert edited["data"]["link"]["campaign"] is None and edited["data"]["link"]["tags"] == []
    assert deactivated["data"]["link"]["is_active"] is False
    assert deleted["data"]["link"]["id"] == str(link.pk)
    assert not Link.objects.exists()
    by_subscription = {
        (s, t) for s, t in Delivery.objects.values_list("subscription", "event__type")
    }
    assert by_subscription == {
        (everything.pk, "link.created"),
        (everything.pk, "link.updated"),
        (everything.pk, "link.deleted"),
        (deletions.pk, "link.deleted"),
    }
    assert Delivery.objects.filter(subscription=everything).count() == 4


def test_a_change_that_rolls_back_records_no_event(owner):
    SubscriptionFactory(owner=owner)
    with pytest.raises(RuntimeError), transaction.atomic():
        create_link(owner)
        raise RuntimeError("the request failed after the link was saved")
    assert not Link.objects.exists()
    assert not Event.objects.exists() and not Delivery.objects.exists()


def test_a_refused_link_records_no_event(signed_in, owner):
    SubscriptionFactory(owner=owner)
    response = signed_in.post(
        "/dashboard/links/new/",
        {"original_url": "javascript:alert(1)", "client": ClientFactory().pk},
    )
    assert response.status_code == 200 and "original_url" in response.context["form"].errors
    assert not Event.objects.exists()


def test_no_event_is_recorded_without_a_subscription_or_for_a_paused_one(owner):
    create_link(owner)
    SubscriptionFactory(owner=owner, status="paused", pause_reason="Paused by Owner.")
    create_link(owner)
    assert not Event.objects.exists() and not Delivery.objects.exists()


def test_the_events_are_recorded_with_the_change_and_wake_the_worker_after_commit(
    owner, django_capture_on_commit_callbacks
):
    SubscriptionFactory(owner=owner)
    with django_capture_on_commit_callbacks() as callbacks:
        create_link(owner)
        assert Event.objects.count() == 1  # written before COMMIT, in the same transaction
    assert events.wake in callbacks


def test_many_links_in_one_transaction_wake_the_worker_once(
    owner, django_capture_on_commit_callbacks
):
    SubscriptionFactory(owner=owner)
    client = ClientFactory()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for number in range(3):
            create_link(owner, client=client, name=f"Imported {number}")
    assert Event.objects.count() == 3
    assert callbacks.count(events.wake) == 1


@pytest.mark.parametrize("with_tags", [True, False])
def test_an_admin_save_with_new_tags_sends_them_in_a_second_link_updated(
    admin_client, superuser, with_tags
):
    from links.tests.factories import TagFactory
    from links.tests.test_admin_link_form import ADD, inline

    SubscriptionFactory(owner=superuser)
    tags = [TagFactory(name="Summer")] if with_tags else []
    form = {
        "short_code": "admin-made",
        "name": "From the admin",
        "original_url": "https://shop.example/sale",
        "client": str(ClientFactory().pk),
        "user": str(superuser.pk),
        "is_active": "on",
        "forward_query": "on",
    }
    assert admin_client.post(ADD, {**form, **inline(tags)}).status_code == 302
    found = [(body["type"], body["data"]["link"]["tags"]) for body in bodies()]
    if with_tags:
        assert found == [("link.created", []), ("link.updated", ["Summer"])]
    else:
        assert found == [("link.created", [])]


@pytest.mark.django_db(transaction=True)
def test_a_deactivation_is_announced_to_the_workers_only_once_committed(owner, monkeypatch):
    import psycopg

    from links import link_changes

    SubscriptionFactory(owner=owner)
    link = create_link(owner)
    db = connection.settings_dict
    seen = []

    def announce(code):  # what another worker reads when it hears of the change
        with psycopg.connect(
            dbname=db["NAME"], host=db["HOST"], port=db["PORT"], user=db["USER"]
        ) as other:
            seen.append(
                other.execute(
                    "SELECT is_active FROM links WHERE short_code = %s", [code]
                ).fetchone()[0]
            )

    monkeypatch.setattr(link_changes, "announce", announce)
    link_services.set_active(link, False)
    assert seen == [False]
    assert bodies("link.updated")[0]["data"]["link"]["is_active"] is False


def test_the_admin_deletes_links_through_the_service(admin_client, superuser):
    SubscriptionFactory(owner=superuser, events=["link.deleted"])
    first, second = LinkFactory.create_batch(2)
    admin_client.post(f"/admin/links/link/{first.pk}/delete/", {"post": "yes"})
    admin_client.post(
        "/admin/links/link/",
        {"action": "delete_selected", "_selected_action": [second.pk], "post": "yes"},
    )
    assert not Link.objects.exists()
    assert sorted(b["data"]["link"]["id"] for b in bodies("link.deleted")) == sorted(
        [str(first.pk), str(second.pk)]
    )


# --- clicks.recorded -------------------------------------------------------------------------


# What a browser sends besides its user agent; a bot is a command-line client.
BROWSER_HEADERS = {
    "accept": "text/html",
    "accept-language": "en",
    "sec-fetch-mode": "navigate",
    "sec-ch-ua": '"Chromium";v="131"',
}


def click_row(link, is_bot=False, when="2026-11-25T12:00:00+00:00"):
    """A spooled visit of `link`: a browser's, or a script's (judged a bot by the loader)."""
    return Visit(
        id=str(uuid.uuid4()),
        link_id=str(link.pk),
        timestamp=datetime.fromisoformat(when),
        ip="81.2.69.142",
        user_agent="curl/8.4.0" if is_bot else CHROME,
        headers={} if is_bot else BROWSER_HEADERS,
    )


def test_clicks_are_announced_after_a_flush_with_their_counts(owner):
    clicks = SubscriptionFactory(owner=owner, events=["clicks.recorded"])
    SubscriptionFactory(owner=owner, events=["link.created"])
    summer, menu = LinkFactory(short_code="summer"), LinkFactory(short_code="menu")
    rows = [
        click_row(summer, when="2026-11-25T12:00:01+00:00"),
        click_row(summer, is_bot=True, when="2026-11-25T12:00:02+00:00"),
        click_row(menu, when="2026-11-25T12:00:03+00:00"),
    ]
    for row in rows:
        recording.append(row)
    assert not Event.objects.exists()  # spooled is not stored
    loading.flush()
    [body] = bodies()
    assert body["type"] == "clicks.recorded"
    data = body["data"]
    assert (data["clicks"], data["human_clicks"], data["bot_clicks"]) == (3, 2, 1)
    assert data["batch"]["part"] == 1 and data["batch"]["parts"] == 1
    assert data["first_click_at"] == "2026-11-25T12:00:01+00:00"
    assert data["last_click_at"] == "2026-11-25T12:00:03+00:00"
    assert data["links"] == [
        {
            "id": str(summer.pk),
            "short_code": "summer",
            "clicks": 2,
            "human_clicks": 1,
            "bot_clicks": 1,
        },
        {"id": str(menu.pk), "short_code": "menu", "clicks": 1, "human_clicks": 1, "bot_clicks": 0},
    ]
    assert data["click_ids"] == [row.id for row in rows]
    assert list(Delivery.objects.values_list("subscription", flat=True)) == [clicks.pk]


def test_a_redirect_announces_nothing_until_its_click_is_loaded(client, owner):
    SubscriptionFactory(owner=owner, events=["clicks.recorded"])
    LinkFactory(short_code="Promo24", original_url="https://shop.example/")
    assert client.get("/Promo24", HTTP_USER_AGENT=CHROME).status_code == 302
    assert not Event.objects.exists()
    loading.flush()
    [body] = bodies("clicks.recorded")
    assert body["data"]["click_ids"] == [str(Click.objects.get().pk)]


def test_a_big_batch_is_split_into_events_of_bounded_size(owner, settings):
    settings.WEBHOOKS_CLICKS_PER_EVENT = 2
    SubscriptionFactory(owner=owner, events=["clicks.recorded"])
    link = LinkFactory()
    for second in range(5):
        recording.append(click_row(link, when=f"2026-11-25T12:00:0{second}+00:00"))
    loading.flush()
    found = bodies()
    assert [len(body["data"]["click_ids"]) for body in found] == [2, 2, 1]
    assert [body["data"]["batch"]["part"] for body in found] == [1, 2, 3]
    assert len({body["data"]["batch"]["id"] for body in found}) == 1
    assert {body["data"]["batch"]["parts"] for body in found} == {3}


def test_only_clicks_that_were_stored_are_announced(owner):
    SubscriptionFactory(owner=owner, events=["clicks.recorded"])
    kept, gone = LinkFactory(), LinkFactory()
    rows = [click_row(kept), click_row(gone)]
    gone.delete()  # deleted while its click waited in the spool
    for row in rows:
        recording.append(row)
    loading.flush()
    [body] = bodies()
    assert body["data"]["click_ids"] == [rows[0].id]


def test_clicks_recorded_takes_click_ids_as_well(owner):
    SubscriptionFactory(owner=owner, events=["clicks.recorded"])
    link = LinkFactory()
    stored = [Click.objects.create(link=link, user_agent=CHROME) for _ in range(2)]
    assert events.clicks_recorded([stored[0].pk, str(stored[1].pk)]) == 1
    assert sorted(bodies()[0]["data"]["click_ids"]) == sorted(str(c.pk) for c in stored)


def test_a_bad_id_is_logged_and_never_reaches_the_loader(owner, caplog):
    SubscriptionFactory(owner=owner, events=["clicks.recorded"])
    with caplog.at_level(logging.ERROR, logger="webhooks.events"):
        assert events.clicks_recorded(["not-a-uuid"]) == 0
    assert "clicks.recorded not announced for a batch" in caplog.text


def webhook_queries(queries):
    return [q["sql"] for q in queries if "webhook_" in q["sql"]]


def test_without_subscriptions_loading_clicks_asks_the_database_once_per_window(db):
    link = LinkFactory()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            recording.append(click_row(link))
            loading.flush()
    assert Click.objects.count() == 3
    assert len(webhook_queries(queries.captured_queries)) == 1  # the first batch's check


def test_a_subscription_made_in_this_process_gets_the_next_batch_at_once(owner):
    link = LinkFactory()
    recording.append(click_row(link))
    loading.flush()  # cached: nobody wants clicks
    SubscriptionFactory(owner=owner, events=["clicks.recorded"])
    recording.append(click_row(link))
    loading.flush()
    assert len(bodies("clicks.recorded")) == 1


def test_a_subscription_made_elsewhere_counts_once_the_cached_answer_expires(owner, settings):
    link = LinkFactory()
    events.clicks_recorded([])  # this process now believes nobody wants clicks
    # Another process's INSERT: no signal reaches this one.
    SubscriptionFactory._meta.model.objects.bulk_create(
        [SubscriptionFactory.build(owner=owner, events=["clicks.recorded"])]
    )
    recording.append(click_row(link))
    loading.flush()
    assert bodies() == []
    settings.WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS = 0
    recording.append(click_row(link))
    loading.flush()
    assert len(bodies("clicks.recorded")) == 1


def test_update_link_without_tags_keeps_them_in_the_payload(owner):
    SubscriptionFactory(owner=owner, events=["link.updated"])
    link = create_link(owner, tags="a, b")
    link_services.update_link(link, name="Renamed")
    [body] = bodies()
    assert body["data"]["link"]["tags"] == ["a", "b"] and body["data"]["link"]["name"] == "Renamed"


def test_a_bulk_create_records_one_link_created_event_per_link(owner):
    SubscriptionFactory(owner=owner, events=["link.created"])
    client = ClientFactory()
    created = link_services.create_links(
        user=owner,
        links=[{"client": client, "original_url": f"https://shop.example/{n}"} for n in range(3)],
    )
    events_made = Event.objects.filter(type="link.created")
    assert events_made.count() == 3
    assert sorted(json.loads(e.body)["data"]["link"]["id"] for e in events_made) == sorted(
        str(link.pk) for link in created
    )
