"""Every named dashboard URL, filled with objects, for the role and client-isolation tests."""

from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from analytics.tests.factories import ClickFactory
from api import keys
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory
from links.tests.images import PNG
from mailings.models import ReportSubscription
from sharing.services import create_share
from webhooks.models import Delivery, Event
from webhooks.tests.factories import SubscriptionFactory

KINDS = ("links", "campaigns", "clients")


def dashboard_patterns():
    """{"namespace:name": pattern} of every route under /dashboard/."""
    found = {}
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "dashboard/":
            for pattern in entry.url_patterns:
                found[f"{entry.namespace}:{pattern.name}"] = pattern
    return found


def client_objects(name="Acme", *, clicks=True):
    """A client with a campaign and a link (with a click, unless told otherwise)."""
    client = ClientFactory(name=name, logo=ContentFile(PNG, name="logo.png"))
    campaign = CampaignFactory(client=client, name=f"{name} summer")
    link = LinkFactory(client=client, campaign=campaign, short_code=f"{name.lower()}-link")
    if clicks:
        ClickFactory(link=link)
    report = ReportSubscription.objects.create(
        client=client, recipients=[f"{name.lower()}@client.example"], frequency="weekly"
    )
    share, _token = create_share(client)
    return {
        "clients": client,
        "campaigns": campaign,
        "links": link,
        "report_subscription": report,
        "share": share,
    }


def owned_objects(owner, person):
    """The objects of people rather than clients: a webhook subscription with a delivery,
    an API key, a person."""
    subscription = SubscriptionFactory(owner=owner)
    event = Event.objects.create(type="link.created", occurred_at=timezone.now(), body="{}")
    delivery = Delivery.objects.create(event=event, subscription=subscription)
    key = keys.issue(user=owner, name="probe", scopes=["links:read"]).key
    return {"subscription": subscription, "delivery": delivery, "key": key, "person": person}


# For each pk route, which object it takes ("kind" routes take the kind's object).
_PK_OBJECT = {
    "analytics:link": "links",
    "analytics:client": "clients",
    "analytics:campaign": "campaigns",
    "analytics:client-invalid-traffic": "clients",
    "analytics:campaign-invalid-traffic": "campaigns",
    "analytics:client-invalid-traffic-csv": "clients",
    "analytics:campaign-invalid-traffic-csv": "campaigns",
    "links:edit": "links",
    "links:toggle": "links",
    "links:delete": "links",
    "links:qr-svg": "links",
    "links:qr-png": "links",
    "links:qr-options": "links",
    "links:client-utm-rules": "clients",
    "links:client-rename": "clients",
    "links:client-delete": "clients",
    "links:client-branding": "clients",
    "links:client-logo": "clients",
    "links:client-theme": "clients",
    "links:campaign-rename": "campaigns",
    "links:campaign-delete": "campaigns",
    "webhooks:detail": "subscription",
    "webhooks:secret": "subscription",
    "webhooks:rotate": "subscription",
    "webhooks:pause": "subscription",
    "webhooks:resume": "subscription",
    "webhooks:delete": "subscription",
    "webhooks:delivery": "delivery",
    "api:revoke": "key",
    "mailings:create-for-client": "clients",
    "mailings:create-for-campaign": "campaigns",
    "mailings:edit": "report_subscription",
    "mailings:delete": "report_subscription",
    "mailings:send": "report_subscription",
    "sharing:manage-client": "clients",
    "sharing:manage-campaign": "campaigns",
    "sharing:manage-link": "links",
    "sharing:revoke": "share",
    "accounts:person": "person",
    "accounts:person-sign-out": "person",
}


def filled_urls(objects):
    """[(route label, url, the object it names or None)] for every dashboard route.

    A route whose parameters cannot be filled is an error: a new route must be added here
    (and to the expectations of the tests), never skipped."""
    result = []
    for name, pattern in dashboard_patterns().items():
        params = set(pattern.pattern.converters)
        if params - {"kind", "pk"}:
            raise AssertionError(f"{name}: cannot fill {sorted(params - {'kind', 'pk'})}")
        if "kind" in params:
            for kind in KINDS:
                obj = objects[kind]
                url = reverse(name, kwargs={"kind": kind, "pk": obj.pk})
                result.append((f"{name}[{kind}]", url, obj))
        elif "pk" in params:
            if name not in _PK_OBJECT:
                raise AssertionError(f"{name}: which object does its <pk> name?")
            obj = objects[_PK_OBJECT[name]]
            result.append((name, reverse(name, kwargs={"pk": obj.pk}), obj))
        else:
            result.append((name, reverse(name), None))
    return result


def route_name(label):
    return label.split("[", 1)[0]
