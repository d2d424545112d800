"""Staff pages: share a client's, campaign's or link's report; revoke a share link."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from links.lookups import fetch
from links.models import Campaign, Client, Link

from . import services
from .forms import ShareForm
from .models import ShareLink

_KINDS = {"clients": Client, "campaigns": Campaign, "links": Link}
_REPORT_URLS = {Client: "analytics:client", Campaign: "analytics:campaign", Link: "analytics:link"}
# The new link's address, kept in the session until the page after the POST shows it once.
_NEW_URL_KEY = "sharing-new-url"


def _subject(request, kind, pk):
    """The report's object, if the person may share it (another client's: 404)."""
    return fetch(request.user, _KINDS[kind], pk, "share")


def _manage_url(subject):
    kind = {Client: "clients", Campaign: "campaigns", Link: "links"}[type(subject)]
    return reverse(f"sharing:manage-{kind.removesuffix('s')}", args=[subject.pk])


def manage(request, kind, pk):
    subject = _subject(request, kind, pk)
    form = ShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _share, token = services.create_share(
            subject, created_by=request.user, **form.share_arguments()
        )
        request.session[_NEW_URL_KEY] = services.share_url(token)
        messages.success(request, "Share link created. Copy it now: it is shown only once.")
        return redirect(_manage_url(subject))
    return render(
        request,
        "sharing/manage.html",
        {
            "subject": subject,
            "kind": kind,
            "form": form,
            "new_url": request.session.pop(_NEW_URL_KEY, None),
            "shares": ShareLink.objects.for_object(subject),
            "report_url": reverse(_REPORT_URLS[type(subject)], args=[subject.pk]),
        },
    )


@require_POST
def revoke(request, pk):
    shares = policy.scope(
        ShareLink.objects.select_related("client", "campaign", "link"), request.user
    )
    share = get_object_or_404(shares, pk=pk)
    subject = fetch(request.user, type(share.subject), share.subject.pk, "share")
    services.revoke(share)
    messages.success(request, "Share link revoked: its page now answers “gone”.")
    return redirect(_manage_url(subject))
