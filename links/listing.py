"""The filtered link list shared by the list page and its CSV export."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts import policy
from analytics.reports.figures import annotate_human_clicks
from analytics.reports.periods import last_days

from .models import Link, LinkTag, live_links

DEFAULT_PERIOD_DAYS = 30


def filtered_links(form, user, *, with_clicks=True):
    """(queryset, period) for a bound LinkFilterForm; an invalid form filters nothing.
    Only links of the clients `user` may see.

    Links carry `period_clicks` (humans in the period) when sorted by clicks or asked
    `with_clicks`; otherwise the caller counts clicks for the rows it shows.
    """
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    links = policy.scope(Link.objects.select_related("client", "campaign", "user"), user)
    if q := data.get("q"):
        tagged = LinkTag.objects.filter(link=OuterRef("pk"), tag__name__icontains=q)
        links = links.filter(
            Q(name__icontains=q)
            | Q(short_code__icontains=q)
            | Q(original_url__icontains=q)
            | Q(client__name__icontains=q)
            | Q(campaign__name__icontains=q)
            | Exists(tagged)
        )
    if data.get("client"):
        links = links.filter(client=data["client"])
    if data.get("campaign"):
        links = links.filter(campaign=data["campaign"])
    if tag := data.get("tag"):
        links = links.filter(
            Exists(LinkTag.objects.filter(link=OuterRef("pk"), tag__name__iexact=tag))
        )
    if data.get("creator"):
        links = links.filter(user=data["creator"])
    if data.get("status") == "active":
        links = links.live()
    elif data.get("status") == "inactive":
        links = links.exclude(live_links(timezone.now()))
    if data.get("created_from"):
        links = links.filter(created_at__date__gte=data["created_from"])
    if data.get("created_to"):
        links = links.filter(created_at__date__lte=data["created_to"])
    period = last_days(int(data.get("period") or DEFAULT_PERIOD_DAYS))
    if with_clicks or data.get("sort") == "clicks":
        links = annotate_human_clicks(links, period)
    if data.get("sort") == "clicks":
        links = links.order_by("-period_clicks", "-created_at", "pk")
    else:
        links = links.order_by("-created_at", "pk")
    return links, period


def period_days(period):
    return round((period.end - period.start) / timedelta(days=1))
