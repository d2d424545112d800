"""Dashboard pages for UTM rules: a client's rules, and the links that break them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts import policy

from .. import utm
from ..forms import UtmRulesForm
from ..lookups import fetch
from ..models import Client, Link

SHOWN_BREAKING_LINKS = 500


@login_required
def client_utm_rules(request, pk):
    client = fetch(request.user, Client, pk, "manage_org")
    form = UtmRulesForm.of(utm.rules_of(client.pk), request.POST or None)
    if request.method == "POST" and form.is_valid():
        rules = utm.save_rules(client, **form.cleaned_data)
        if rules is None:
            messages.success(request, f"Client “{client.name}” has no UTM rules now.")
        else:
            messages.success(
                request,
                f"UTM rules of “{client.name}” saved: new and edited links must follow them.",
            )
        return redirect("links:utm-breaking")
    return render(request, "links/utm_rules.html", {"form": form, "client": client})


@login_required
def utm_breaking_links(request):
    policy.require(request.user, "view_staff_pages")
    links = policy.scope(Link.objects.all(), request.user)
    found, total = utm.breaking_links(links, limit=SHOWN_BREAKING_LINKS)
    return render(
        request,
        "links/utm_breaking.html",
        {"found": found, "total": total, "limit": SHOWN_BREAKING_LINKS},
    )
