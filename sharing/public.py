"""The shared report page at `/r/<token>` on the short-link domain, and its assets.

Public (no sign-in), white-label (the client's logo and colour, no staff navigation),
never indexed, never cached by a shared cache. A token no link has is a 404 after one
unique-index lookup; a revoked or expired link is a 410 from the next request on.
"""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from analytics.reports.charts import bar_chart
from analytics.reports.figures import report
from analytics.reports.periods import Scope
from analytics.reports.report_csv import rows as report_rows
from links import branding
from macondo import downloads

from . import passwords, services

ROBOTS = "noindex, nofollow"


def _public(view):
    """Headers every answer under /r/ carries, 404 and 410 included."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = ROBOTS
        # Same origin only: the token never leaves in a Referer to another site, while the
        # password form's POST keeps a real Origin for the CSRF check (the Fetch standard
        # sends "Origin: null" under no-referrer).
        response["Referrer-Policy"] = "same-origin"
        response.setdefault("Cache-Control", "private, no-store")
        return response

    return login_not_required(wrapper)


def _unlocked_key(share):
    return f"share-unlocked:{share.pk}"


def _open_share(request, token):
    """(share, None) for an open link, else (None, the 404 or 410 answer)."""
    share = services.find_share(token)
    if share is None:
        return None, render(request, "sharing/not_found.html", status=404)
    if not share.is_open():
        return None, render(request, "sharing/gone.html", {"share": share}, status=410)
    return share, None


def _scope(share):
    if share.link_id:
        return Scope(link_id=share.link_id)
    if share.campaign_id:
        return Scope(campaign_id=share.campaign_id)
    return Scope(client_id=share.client_id)


def _shown_figures(share, period):
    """The report's figures without the panels the share leaves out (page and CSV alike)."""
    figures = report(_scope(share), period)
    for section in ("top_links", "channels"):
        if section not in share.sections:
            figures.pop(section, None)
    return figures


def _is_unlocked(request, share):
    return not share.has_password or request.session.get(_unlocked_key(share)) is True


@_public
@require_http_methods(["GET", "HEAD", "POST"])
def page(request, token):
    share, refusal = _open_share(request, token)
    if refusal:
        return refusal
    context = {"share": share, "client": share.client, "token": token}
    if not _is_unlocked(request, share):
        return _password_page(request, share, context)
    period = services.period_of(share)
    figures = _shown_figures(share, period)
    services.record_view(share)
    context.update(
        {
            "figures": figures,
            "chart": bar_chart(figures["series"], figures["hourly"]),
            "period": period,
            "range_label": services.range_label(share),
            "sections": share.sections or ["none"],
            "hide_bots": "bots" not in share.sections,
            "shared": True,
        }
    )
    return render(request, "sharing/report.html", context)


def _password_page(request, share, context):
    status, error = 200, ""
    if request.method == "POST":
        outcome = passwords.try_password(share, request.POST.get("password", ""))
        if outcome == passwords.ACCEPTED:
            request.session.cycle_key()
            request.session[_unlocked_key(share)] = True
            return HttpResponseRedirect(request.path)
        if outcome == passwords.REFUSED:
            status, error = 403, "That password is not right."
    wait = passwords.seconds_locked(share)
    if wait:
        status = 429
        error = f"Too many wrong passwords. Try again in {max(1, wait // 60)} minute(s)."
    response = render(request, "sharing/password.html", {**context, "error": error}, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response


@_public
@require_safe
def report_csv(request, token):
    share, refusal = _open_share(request, token)
    if refusal:
        return refusal
    if "exports" not in share.sections or not _is_unlocked(request, share):
        return render(request, "sharing/not_found.html", status=404)
    period = services.period_of(share)
    figures = _shown_figures(share, period)
    name = downloads.period_name("report", share.client.name, period)
    rows = report_rows(figures, bots="bots" in share.sections)
    return downloads.csv_response(downloads.csv_blocks(rows), name)


@_public
@require_safe
def logo(request, token):
    share, refusal = _open_share(request, token)
    if refusal:
        return refusal
    return branding.logo_response(share.client)


@_public
@require_safe
def theme(request, token):
    share, refusal = _open_share(request, token)
    if refusal:
        return refusal
    return branding.theme_response(share.client)
