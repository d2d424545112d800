"""Sharing a short link (QR codes) and the WhatsApp link generator."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from accounts import policy
from macondo.downloads import attachment

from .. import qr, whatsapp
from ..lookups import fetch
from ..models import Link

_QR_OPTIONS = tuple(qr.DEFAULTS)


@login_required
def link_qr(request, pk, fmt):
    """The QR code image, by the options in the query string (qr.QrOptionsForm)."""
    link = fetch(request.user, Link, pk)
    form = qr.QrOptionsForm(request.GET)
    if not form.is_valid():
        problems = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
        return HttpResponseBadRequest("\n".join(problems), content_type="text/plain; charset=utf-8")
    body, content_type = qr.image(link.qr_url, fmt, form.cleaned_data)
    response = HttpResponse(body, content_type=content_type)
    if request.GET.get("download"):
        response["Content-Disposition"] = attachment(f"qr-{link.short_code}", fmt)
    return response


@login_required
def link_qr_options(request, pk):
    """The QR code's options (size, colours, error correction, quiet zone), a preview and
    the downloads; plain GET form, no script."""
    link = fetch(request.user, Link, pk)
    form = qr.QrOptionsForm(request.GET)
    query = None
    if form.is_valid():
        query = urlencode({name: form.cleaned_data[name] for name in _QR_OPTIONS})
    return render(request, "links/qr_options.html", {"link": link, "form": form, "query": query})


class WhatsAppForm(forms.Form):
    country_code = forms.CharField(label="Country code", max_length=5, help_text="e.g. 57")
    area_code = forms.CharField(
        label="Area code", max_length=8, required=False, help_text="Optional, e.g. 300"
    )
    number = forms.CharField(label="Phone number", max_length=20)
    message = forms.CharField(
        label="Message", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["link"] = whatsapp.build_link(
                data["country_code"], data.get("area_code", ""), data["number"], data["message"]
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)
        return data


@login_required
def whatsapp_tool(request):
    policy.require(request.user, "view_staff_pages")
    form = WhatsAppForm(request.GET or None)
    link = shorten_url = None
    if form.is_bound and form.is_valid():
        link = form.cleaned_data["link"]
        shorten_url = reverse("links:create") + "?" + urlencode({"original_url": link})
    return render(
        request,
        "links/whatsapp.html",
        {"form": form, "wa_link": link, "shorten_url": shorten_url},
    )
