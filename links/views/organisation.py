"""Dashboard pages for clients and campaigns: list, create, rename, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from accounts import policy
from analytics.forms import DEFAULT_RANGE, RANGE_CHOICES, RangeForm
from analytics.reports.comparisons import humans_by
from links.cascade import cascade_counts
from macondo.uuids import parse_uuid

from ..forms import CampaignForm, CampaignRenameForm, ClientForm, save_named
from ..lookups import fetch
from ..models import Campaign, Client, Link

PAGE_SIZE = 50


def _with_human_clicks(request, page, key):
    """Give the page's rows `period_clicks` (human clicks in the chosen range): grouped
    queries for the page, not one per row. Returns the range picker's context."""
    form = RangeForm({"range": request.GET.get("range", "")})
    rows = list(page.object_list)
    counts = humans_by(key, [row.pk for row in rows], form.period()) if rows else {}
    for row in rows:
        row.period_clicks = counts.get(row.pk, 0)
    page.object_list = rows
    chosen = form.cleaned_data.get("range") if form.is_valid() else ""
    return {
        "ranges": [choice for choice in RANGE_CHOICES if choice[0] != "custom"],
        "range": chosen or DEFAULT_RANGE,
        "range_label": form.label(),
    }


def _count(related):
    rows = related.order_by().values("client").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@login_required
def client_list(request):
    policy.require(request.user, "view")
    q = request.GET.get("q", "").strip()[:200]
    # Counted per client by subqueries on the foreign-key indexes, not a join of every
    # link with every campaign.
    clients = (
        policy.visible_clients(request.user)
        .annotate(
            link_count=_count(Link.objects.filter(client=OuterRef("pk"))),
            campaign_count=_count(Campaign.objects.filter(client=OuterRef("pk"))),
        )
        .order_by("name")
    )
    if q:
        clients = clients.filter(name__icontains=q)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    ranges = _with_human_clicks(request, page, "link__client_id")
    query = urlencode({k: v for k, v in request.GET.items() if k in ("q", "range")})
    return render(
        request, "links/client_list.html", {"page": page, "q": q, "query": query, **ranges}
    )


@login_required
def client_create(request):
    policy.require(request.user, "create_client")
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = save_named(form)
        if client:
            messages.success(request, f"Client “{client.name}” created.")
            return redirect("analytics:client", pk=client.pk)
    return render(
        request,
        "links/simple_form.html",
        {"form": form, "title": "New client", "cancel_url": reverse("links:clients")},
    )


@login_required
def client_rename(request, pk):
    client = fetch(request.user, Client, pk, "manage_org")
    # The form edits its own copy: the page keeps the current name while the new one is
    # refused.
    form = ClientForm(request.POST or None, instance=fetch(request.user, Client, pk))
    if request.method == "POST" and form.is_valid() and save_named(form):
        messages.success(request, f"Client renamed to “{form.instance.name}”.")
        return redirect("analytics:client", pk=client.pk)
    return render(
        request,
        "links/simple_form.html",
        {
            "form": form,
            "title": f"Rename client “{client.name}”",
            "client": client,
            "cancel_url": reverse("analytics:client", args=[client.pk]),
        },
    )


@login_required
def client_delete(request, pk):
    client = policy.require_delete(request.user, fetch(request.user, Client, pk, "manage_org"))
    if request.method == "POST":
        client.delete()
        messages.success(request, f"Client “{client.name}” and everything under it deleted.")
        return redirect("links:clients")
    return render(
        request,
        "links/confirm_delete.html",
        {
            "object": client,
            "kind": "client",
            "counts": cascade_counts(client=client),
            "cancel_url": reverse("analytics:client", args=[client.pk]),
        },
    )


@login_required
def campaign_list(request):
    policy.require(request.user, "view")
    campaigns = (
        policy.scope(Campaign.objects.select_related("client"), request.user)
        .annotate(link_count=Count("links"))
        .order_by("client__name", "name")
    )
    q = request.GET.get("q", "").strip()[:200]
    if q:
        campaigns = campaigns.filter(name__icontains=q) | campaigns.filter(
            client__name__icontains=q
        )
    client = None
    if request.GET.get("client"):
        client = (
            policy.visible_clients(request.user)
            .filter(pk=parse_uuid(request.GET["client"]))
            .first()
        )
        if client:
            campaigns = campaigns.filter(client=client)
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    ranges = _with_human_clicks(request, page, "link__campaign_id")
    return render(
        request, "links/campaign_list.html", {"page": page, "q": q, "client": client, **ranges}
    )


@login_required
def campaign_create(request):
    policy.require(request.user, "manage_org")
    initial = {}
    if request.GET.get("client"):
        initial["client"] = parse_uuid(request.GET["client"])
    form = CampaignForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        campaign = save_named(form)
        if campaign:
            messages.success(request, f"Campaign “{campaign.name}” created.")
            return redirect("analytics:campaign", pk=campaign.pk)
    return render(
        request,
        "links/simple_form.html",
        {"form": form, "title": "New campaign", "cancel_url": reverse("links:campaigns")},
    )


@login_required
def campaign_rename(request, pk):
    campaign = fetch(request.user, Campaign, pk, "manage_org")
    form = CampaignRenameForm(request.POST or None, instance=fetch(request.user, Campaign, pk))
    if request.method == "POST" and form.is_valid() and save_named(form):
        messages.success(request, f"Campaign renamed to “{form.instance.name}”.")
        return redirect("analytics:campaign", pk=campaign.pk)
    return render(
        request,
        "links/simple_form.html",
        {
            "form": form,
            "title": f"Rename campaign “{campaign.name}”",
            "campaign": campaign,
            "cancel_url": reverse("analytics:campaign", args=[campaign.pk]),
        },
    )


@login_required
def campaign_delete(request, pk):
    campaign = fetch(request.user, Campaign, pk, "manage_org")
    policy.require_delete(request.user, campaign)
    if request.method == "POST":
        campaign.delete()
        messages.success(request, f"Campaign “{campaign.name}” deleted; its links remain.")
        return redirect("links:campaigns")
    return render(
        request,
        "links/confirm_delete.html",
        {
            "object": campaign,
            "kind": "campaign",
            "counts": cascade_counts(campaign=campaign),
            "cancel_url": reverse("analytics:campaign", args=[campaign.pk]),
        },
    )
