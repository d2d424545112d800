"""The dashboard's webhook pages and the admin."""

import re

import pytest

from webhooks.models import Delivery, Subscription

from .factories import SubscriptionFactory
from .helpers import create_link, deliver
from .receiver import Answer


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_creating_a_subscription_leads_to_its_page(signed_in, owner):
    response = signed_in.post(
        "/dashboard/webhooks/new/",
        {
            "url": "https://hooks.example.com/macondo",
            "events": ["link.created", "clicks.recorded"],
            "description": "CRM sync",
        },
        follow=True,
    )
    subscription = Subscription.objects.get()
    assert response.redirect_chain == [(f"/dashboard/webhooks/{subscription.pk}/", 302)]
    assert (subscription.owner, subscription.description) == (owner, "CRM sync")
    assert subscription.events == ["link.created", "clicks.recorded"]
    assert subscription.status == "active"
    assert "Subscription created" in response.text
    # The secret is shown when asked for, not on every page view.
    assert subscription.secret not in response.text
    assert subscription.secret_hint in response.text


@pytest.mark.parametrize(
    "data, field, says",
    [
        ({"url": "http://hooks.example.com/", "events": ["link.created"]}, "url", "https only"),
        ({"url": "https://10.0.0.8/hook", "events": ["link.created"]}, "url", "private address"),
        ({"url": "", "events": ["link.created"]}, "url", "required"),
        ({"url": "https://hooks.example.com/"}, "events", "Choose at least one event"),
        (
            {"url": "https://hooks.example.com/", "events": ["link.exploded"]},
            "events",
            "valid choice",
        ),
        (
            {
                "url": "https://hooks.example.com/",
                "events": ["link.created"],
                "description": "x" * 201,
            },
            "description",
            "at most 200",
        ),
    ],
)
def test_a_bad_subscription_is_a_field_error_and_saves_nothing(signed_in, data, field, says):
    response = signed_in.post("/dashboard/webhooks/new/", data)
    assert response.status_code == 200
    assert says in " ".join(response.context["form"].errors[field])
    assert not Subscription.objects.exists()


def test_the_list_shows_only_my_subscriptions_with_their_last_delivery(
    signed_in, owner, colleague, local_targets, receiver
):
    mine = SubscriptionFactory(owner=owner, url=receiver.url(), description="CRM sync")
    SubscriptionFactory(owner=colleague, url="https://theirs.example.com/hook")
    receiver.plan(Answer(status=500))
    create_link(owner)
    deliver()
    page = signed_in.get("/dashboard/webhooks/")
    assert list(page.context["subscriptions"]) == [mine]
    assert "theirs.example.com" not in page.text
    assert "CRM sync" in page.text
    assert "Retrying" in page.text and "HTTP 500" in page.text
    assert 'aria-current="page">Webhooks' in page.text
    assert 'aria-current="page">Links' not in page.text


def test_an_empty_list_says_what_to_do(signed_in):
    page = signed_in.get("/dashboard/webhooks/")
    assert "No webhook subscriptions yet" in page.text
    assert 'href="/dashboard/webhooks/new/"' in page.text


def test_a_subscription_page_lists_its_deliveries_and_a_delivery_page_its_attempts(
    signed_in, owner, local_targets, receiver
):
    subscription = SubscriptionFactory(owner=owner, url=receiver.url())
    receiver.plan(Answer(status=503, body=b"maintenance"))
    link = create_link(owner)
    deliver()
    sent = Delivery.objects.get()
    page = signed_in.get(f"/dashboard/webhooks/{subscription.pk}/")
    assert page.context["deliveries"] == [sent]
    assert "answered HTTP 503" in page.text and "Retrying" in page.text
    detail = signed_in.get(f"/dashboard/webhooks/deliveries/{sent.pk}/")
    assert detail.status_code == 200
    assert "maintenance" in detail.text and "HTTP 503" in detail.text
    assert link.short_code in detail.text  # the body


def test_the_secret_is_shown_on_request_only_by_post_and_never_cached(signed_in, owner):
    subscription = SubscriptionFactory(owner=owner)
    url = f"/dashboard/webhooks/{subscription.pk}/secret/"
    assert signed_in.get(url).status_code == 405
    shown = signed_in.post(url)
    assert subscription.secret in shown.text
    assert "no-store" in shown["Cache-Control"]


def test_making_a_new_secret_replaces_the_old_one(signed_in, owner):
    subscription = SubscriptionFactory(owner=owner)
    old = subscription.secret
    page = signed_in.post(f"/dashboard/webhooks/{subscription.pk}/rotate/")
    subscription.refresh_from_db()
    assert subscription.secret != old and re.fullmatch(r"whsec_[\w-]{43}", subscription.secret)
    assert subscription.secret in page.text and old not in page.text


def test_pausing_and_resuming_by_the_owner(signed_in, owner):
    subscription = SubscriptionFactory(owner=owner)
    page = signed_in.post(f"/dashboard/webhooks/{subscription.pk}/pause/", follow=True)
    subscription.refresh_from_db()
    assert subscription.status == "paused" and subscription.pause_reason == "Paused by Owner."
    assert "Paused by Owner." in page.text
    signed_in.post(f"/dashboard/webhooks/{subscription.pk}/resume/")
    subscription.refresh_from_db()
    assert (subscription.status, subscription.pause_reason, subscription.paused_at) == (
        "active",
        "",
        None,
    )


def test_deleting_a_subscription_counts_what_waits_and_removes_its_deliveries(signed_in, owner):
    subscription = SubscriptionFactory(owner=owner)
    create_link(owner)
    confirm = signed_in.get(f"/dashboard/webhooks/{subscription.pk}/delete/")
    assert "1 delivery not sent yet" in confirm.text
    response = signed_in.post(f"/dashboard/webhooks/{subscription.pk}/delete/")
    assert response["Location"] == "/dashboard/webhooks/"
    assert not Subscription.objects.exists() and not Delivery.objects.exists()


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/dashboard/webhooks/{pk}/"),
        ("post", "/dashboard/webhooks/{pk}/secret/"),
        ("post", "/dashboard/webhooks/{pk}/rotate/"),
        ("post", "/dashboard/webhooks/{pk}/pause/"),
        ("post", "/dashboard/webhooks/{pk}/resume/"),
        ("get", "/dashboard/webhooks/{pk}/delete/"),
        ("post", "/dashboard/webhooks/{pk}/delete/"),
        ("get", "/dashboard/webhooks/deliveries/{delivery}/"),
    ],
)
def test_a_colleagues_subscription_is_not_found(signed_in, colleague, method, path):
    theirs = SubscriptionFactory(owner=colleague)
    create_link(colleague)
    delivery = Delivery.objects.get()
    response = getattr(signed_in, method)(path.format(pk=theirs.pk, delivery=delivery.pk))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "active"


def test_the_admin_adds_a_subscription_by_the_same_rules(admin_client, superuser):
    refused = admin_client.post(
        "/admin/webhooks/subscription/add/",
        {"owner": superuser.pk, "url": "https://127.0.0.1/", "events": ["link.created"]},
    )
    assert "a loopback address" in refused.text
    admin_client.post(
        "/admin/webhooks/subscription/add/",
        {"owner": superuser.pk, "url": "https://hooks.example.com/", "events": ["link.deleted"]},
    )
    subscription = Subscription.objects.get()
    assert subscription.events == ["link.deleted"] and subscription.secret.startswith("whsec_")
    page = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/")
    assert subscription.secret not in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/admin/webhooks/subscription/",
        "/admin/webhooks/delivery/",
        "/admin/webhooks/event/",
        "/admin/webhooks/delivery/{delivery}/change/",
        "/admin/webhooks/event/{event}/change/",
    ],
)
def test_the_admin_pages_answer(admin_client, superuser, path):
    SubscriptionFactory(owner=superuser)
    create_link(superuser)
    delivery = Delivery.objects.get()
    response = admin_client.get(path.format(delivery=delivery.pk, event=delivery.event_id))
    assert response.status_code == 200
