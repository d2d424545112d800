"""Dashboard pages that manage links: list, create, edit, (de)activate, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import policy
from analytics.reports.figures import human_clicks_by_link
from links.cascade import cascade_counts

from .. import services, utm
from ..destinations import shown_destination
from ..forms import LinkFilterForm, LinkForm, tag_suggestions
from ..listing import filtered_links, period_days
from ..lookups import fetch
from ..models import Link

PAGE_SIZE = 50


@login_required
def link_list(request):
    policy.require(request.user, "view")
    form = LinkFilterForm(request.GET or None, user=request.user)
    links, period = filtered_links(form, request.user, with_clicks=False)
    page = Paginator(_CountedBy(links), PAGE_SIZE).get_page(request.GET.get("page"))
    # Page rows with their tags in one more query, and their clicks in one or two more.
    rows = list(page.object_list.prefetch_related("tags"))
    for link in rows:
        link.destination = shown_destination(link.original_url)
    if rows and not hasattr(rows[0], "period_clicks"):
        counts = human_clicks_by_link([link.pk for link in rows], period)
        for link in rows:
            link.period_clicks = counts.get(link.pk, 0)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "links/link_list.html",
        {
            "form": form,
            "page": page,
            "links": rows,
            "period_days": period_days(period),
            "query": query.urlencode(),
            "filtered": any(
                v for k, v in request.GET.items() if k not in ("page", "sort", "period")
            ),
        },
    )


class _CountedBy:
    """A sorted link queryset whose count skips the sort's click annotation: counting
    20,000 links must not compute their clicks."""

    def __init__(self, links):
        self.links = links

    def count(self):
        return self.links.model.objects.filter(pk__in=self.links.values("pk")).count()

    def __getitem__(self, index):
        return self.links[index]


def _form_context(form, **extra):
    return {"form": form, "tag_names": tag_suggestions(), **extra}


@login_required
def link_create(request):
    policy.require(request.user, "create_link")
    if request.method == "POST":
        form = LinkForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                link = services.create_link(user=request.user, **data)
            except ValidationError as error:
                form.apply_errors(error)
            else:
                messages.success(request, f"Short link {link.short_url} created.")
                return redirect("analytics:link", pk=link.pk)
    else:
        initial = {"forward_query": True}
        for key in ("original_url", "client", "campaign", "name", *utm.PARAMETERS):
            if request.GET.get(key):
                initial[key] = request.GET[key]
        form = LinkForm(initial=initial, user=request.user)
    return render(request, "links/link_form.html", _form_context(form, creating=True))


@login_required
def link_edit(request, pk):
    link = fetch(request.user, Link, pk, "edit_link")
    if request.method == "POST":
        form = LinkForm(request.POST, editing=True, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            tags = data.pop("tags")
            try:
                services.update_link(link, tags=tags, **data)
            except ValidationError as error:
                form.apply_errors(error)
            else:
                messages.success(request, f"Link {link.short_code} saved.")
                return redirect("analytics:link", pk=link.pk)
    else:
        form = LinkForm(
            editing=True,
            user=request.user,
            initial={
                "name": link.name,
                "original_url": link.original_url,
                "client": link.client_id,
                "campaign": link.campaign_id,
                "tags": ", ".join(t.name for t in link.tags.all()),
                "expires_at": link.expires_at,
                "forward_query": link.forward_query,
                **utm.values_of(link.original_url),
            },
        )
    return render(
        request,
        "links/link_form.html",
        _form_context(form, link=link, destination=shown_destination(link.original_url)),
    )


@login_required
@require_POST
def link_toggle(request, pk):
    link = fetch(request.user, Link, pk, "edit_link")
    activate = request.POST.get("active") == "1"
    services.set_active(link, activate)
    state = "reactivated" if activate else "deactivated: it no longer redirects"
    messages.success(request, f"Link {link.short_code} {state}.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("analytics:link", pk=link.pk)


@login_required
def link_delete(request, pk):
    link = fetch(request.user, Link, pk, "delete_link")
    if request.method == "POST":
        code = link.short_code
        services.delete_link(link)
        messages.success(request, f"Link {code} and its clicks were deleted.")
        return redirect("links:list")
    return render(
        request,
        "links/confirm_delete.html",
        {
            "object": link,
            "kind": "link",
            "counts": cascade_counts(link=link),
            "cancel_url": reverse("analytics:link", args=[link.pk]),
        },
    )
