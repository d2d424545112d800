"""Webhooks on the quick start's SQLite file: `python -m webhooks.tests.sqlite_round URL`.

Run in a process of its own with DATABASE_URL=sqlite:///…, DEBUG=true and
WEBHOOKS_ALLOW_PRIVATE_TARGETS=true (webhooks/tests/test_sqlite.py does): migrates, signs a
staff user in, subscribes URL to every event through the dashboard, creates and edits a
link, follows it, loads its click, runs `deliver_webhooks --once`, and opens every webhook
page and admin page. The last line printed is `ROUND <json>`: each request's status and the
worker's output.
"""

import io
import json
import re
import sys

import django


def main(target):
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from analytics.clicks.spool import loading
    from links.models import Client as LinkClient
    from links.models import Link
    from webhooks.models import Delivery, Event, Subscription

    call_command("migrate", verbosity=0)
    staff = User.objects.create(email="round@corp.example", role="admin")
    browser = Client(HTTP_HOST="127.0.0.1:8000")
    browser.force_login(staff)
    statuses = {}

    def visit(method, url, data=None):
        response = getattr(browser, method)(url, data or {})
        statuses[f"{method.upper()} {url}"] = response.status_code
        return response

    visit(
        "post",
        "/dashboard/webhooks/new/",
        {"url": target, "events": ["link.created", "link.updated", "clicks.recorded"]},
    )
    subscription = Subscription.objects.get()
    shop = LinkClient.objects.create(name="Round shop")
    visit(
        "post",
        "/dashboard/links/new/",
        {"original_url": "https://shop.example/round", "client": shop.pk, "alias": "round-1"},
    )
    link = Link.objects.get()
    visit("post", f"/dashboard/links/{link.pk}/active/", {"active": "0"})
    visit("post", f"/dashboard/links/{link.pk}/active/", {"active": "1"})
    visit("get", "/round-1")
    loading.flush()
    out = io.StringIO()
    call_command("deliver_webhooks", "--once", stdout=out)
    delivery = Delivery.objects.order_by("created_at").first()
    base = f"/dashboard/webhooks/{subscription.pk}"
    for method, url in [
        ("get", "/dashboard/webhooks/"),
        ("get", "/dashboard/webhooks/new/"),
        ("get", f"{base}/"),
        ("post", f"{base}/secret/"),
        ("post", f"{base}/rotate/"),
        ("post", f"{base}/pause/"),
        ("post", f"{base}/resume/"),
        ("get", f"/dashboard/webhooks/deliveries/{delivery.pk}/"),
        ("get", f"{base}/delete/"),
        ("get", "/admin/webhooks/subscription/"),
        ("get", "/admin/webhooks/subscription/add/"),
        ("get", f"/admin/webhooks/subscription/{subscription.pk}/change/"),
        ("get", "/admin/webhooks/delivery/?q=a"),
        ("get", f"/admin/webhooks/delivery/{delivery.pk}/change/"),
        ("get", "/admin/webhooks/event/"),
        ("get", f"/admin/webhooks/event/{delivery.event_id}/change/"),
    ]:
        visit(method, url)
    return {
        "statuses": statuses,
        "worker": out.getvalue().strip(),
        "events": sorted(Event.objects.values_list("type", flat=True)),
        "secret": subscription.secret,  # the one the deliveries were signed with
        "delivered": Delivery.objects.filter(status="delivered").count(),
    }


if __name__ == "__main__":
    django.setup()
    summary = main(sys.argv[1])
    print("ROUND " + json.dumps(summary))
    sys.exit(0 if re.search(r"\d+ delivered", summary["worker"]) else 1)
