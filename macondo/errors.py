"""The error pages: who sees which, and a database outage answered as 503.

Two audiences. Staff work under STAFF_AREAS and get pages in the dashboard's look; everybody
else is a visitor who followed or mistyped a short link, mostly on a phone, and gets the
plain visitor pages of `links.redirect` (no navigation, no staff links).

The 400, 500 and 503 pages are rendered with no request and no context, as Django's own
server_error is: they cannot need the session, the user or the database, and a broken
context processor cannot break them. If even that fails, a constant page is sent.

A database outage (PostgreSQL down, refusing or dropping connections) raises wherever the
database is first touched, often in a middleware (the session behind `request.user`) where
no view's process_exception sees it; every such path ends in handler500, so this is the one
place that turns it into a 503 with Retry-After, logged as one warning line.
"""

import logging
import sys

import psycopg
from django import db
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from api import problems
from links import redirect

logger = logging.getLogger(__name__)

# Path prefixes of the staff pages; every other path belongs to visitors, but for the API's,
# which are answered as application/problem+json (api/problems.py).
STAFF_AREAS = ("/dashboard/", "/admin/", "/accounts/")
API_AREA = "/api/"

# What a lost or refused database connection raises (Django wraps psycopg's errors; code
# that calls psycopg itself raises them unwrapped).
DATABASE_UNAVAILABLE = (
    db.OperationalError,
    db.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

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


def for_api(request):
    return request.path_info.startswith(API_AREA)


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
    if for_api(request):
        return problems.for_status(request, 400)
    return _plain_page("400.html" if for_staff(request) else "visitor/400.html", 400)


def page_not_found(request, exception):
    if for_api(request):
        return problems.for_status(request, 404)
    if for_staff(request):
        # The dashboard's page, with the navigation for a signed-in colleague.
        return defaults.page_not_found(request, exception)
    # Most likely a mistyped short link: the same page as an unknown code.
    return redirect.not_found()


def server_error(request):
    error = sys.exception()
    if is_database_outage(error):
        return _database_unavailable(request, error)
    if for_api(request):
        return problems.for_status(request, 500)
    return _plain_page("500.html" if for_staff(request) else "visitor/500.html", 500)


def is_database_outage(error):
    while error is not None:
        if isinstance(error, DATABASE_UNAVAILABLE):
            return True
        error = error.__cause__
    return False


def _database_unavailable(request, error):
    cause = " ".join(str(error).split()) or type(error).__name__
    logger.warning(
        "database unavailable, answered 503 to %s %s: %s", request.method, request.path, cause
    )
    if for_api(request):
        response = problems.outage(request)
    elif for_staff(request):
        response = _plain_page("503.html", 503)
        response["Retry-After"] = str(redirect.RETRY_AFTER_SECONDS)
    else:
        response = redirect.unavailable_page()
    # The warning above is the whole story: Django would log the response again as an
    # error with the traceback, once per request of an outage.
    response._has_been_logged = True
    return response
