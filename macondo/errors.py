"""The error pages: who sees which.

Two audiences. Staff work under STAFF_AREAS and get pages in the dashboard's look; everybody
else is a visitor who followed or mistyped a short link, mostly on a phone, and gets the
plain visitor pages of `links.redirect` (no navigation, no staff links).

The 400 and 500 pages are rendered with no request and no context, as Django's own
server_error is: they cannot need the session, the user or the database, and a broken
context processor cannot break them. If even that fails, a constant page is sent.
"""

import logging

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from links import redirect

logger = logging.getLogger(__name__)

# Path prefixes of the staff pages; every other path belongs to visitors.
STAFF_AREAS = ("/dashboard/", "/admin/", "/accounts/")

_LAST_RESORT = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Something went wrong</title>
<link rel="stylesheet" href="{stylesheet}"></head>
<body class="plain"><main class="plain-page"><h1>Something went wrong</h1>
<p>Please try again in a moment.</p></main></body>
</html>
"""


def for_staff(request):
    return request.path_info.startswith(STAFF_AREAS)


def _plain_page(template, status):
    """`template` rendered without request or context; a constant page if even that fails."""
    try:
        body = render_to_string(template)
    except Exception:
        logger.exception("error page %s could not be rendered", template)
        body = _LAST_RESORT.format(stylesheet=f"{settings.STATIC_URL}css/app.css")
    return HttpResponse(body, status=status)


def bad_request(request, exception):
    # No request in the context: a 400 means the request itself is suspect (a host we do not
    # serve, a tampered cookie, a body too big), so the session is not read for a nav bar.
    return _plain_page("400.html" if for_staff(request) else "visitor/400.html", 400)


def page_not_found(request, exception):
    if for_staff(request):
        # The dashboard's page, with the navigation for a signed-in colleague.
        return defaults.page_not_found(request, exception)
    # Most likely a mistyped short link: the same page as an unknown code.
    return redirect.not_found_page()


def server_error(request):
    return _plain_page("500.html" if for_staff(request) else "visitor/500.html", 500)
