"""Sharing a short link (QR codes) and the WhatsApp link generator."""

import io

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from accounts import policy
from macondo.downloads import attachment

from .. import whatsapp
from ..lookups import fetch
from ..models import Link


def _qr(link):
    return segno.make(link.short_url, error="m")


@login_required
def link_qr(request, pk, fmt):
    link = fetch(request.user, Link, pk)
    buffer = io.BytesIO()
    if fmt == "svg":
        _qr(link).save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
        content_type = "image/svg+xml"
    else:
        _qr(link).save(buffer, kind="png", scale=10, border=2)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    if request.GET.get("download"):
        response["Content-Disposition"] = attachment(f"qr-{link.short_code}", fmt)
    return response


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
