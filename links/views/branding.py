"""A client's logo and accent colour on the dashboard: edited by editors, shown to everyone
who may see the client (its client viewers' pages carry them in the header)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from .. import branding
from ..forms import ClientBrandingForm
from ..lookups import fetch
from ..models import Client


def client_branding(request, pk):
    client = fetch(request.user, Client, pk, "manage_org")
    old_logo = client.logo.name
    form = ClientBrandingForm(request.POST or None, request.FILES or None, instance=client)
    if request.method == "POST" and form.is_valid():
        form.save()
        if old_logo and old_logo != client.logo.name:
            client.logo.storage.delete(old_logo)
        messages.success(request, f"Logo and colour of “{client.name}” saved.")
        return redirect("analytics:client", pk=client.pk)
    return render(
        request,
        "links/branding_form.html",
        {
            "form": form,
            "client": client,
            "title": f"Logo and colour of “{client.name}”",
            "cancel_url": reverse("analytics:client", args=[client.pk]),
        },
    )


def client_logo(request, pk):
    return branding.logo_response(fetch(request.user, Client, pk))


def client_theme(request, pk):
    return branding.theme_response(fetch(request.user, Client, pk))
