"""GET /health: what a platform probe or an on-call person needs to know in one request.

The database check uses its own short-lived connection with a statement timeout, and runs
under a deadline in a thread: libpq's connect_timeout cannot go below 2 s and does not
cover a server that accepts the connection and then never answers.
"""

import threading

import psycopg
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from analytics import geo, spool


def database_reachable(deadline=None, alias="default"):
    """Whether PostgreSQL answers `SELECT 1` within `deadline` seconds."""
    if connections[alias].vendor != "postgresql":
        return _embedded_database_answers(alias)  # the quick start's SQLite file
    deadline = settings.HEALTH_DATABASE_DEADLINE if deadline is None else deadline
    params = connections[alias].get_connection_params()
    params["connect_timeout"] = max(2, int(deadline))
    params["options"] = f"-c statement_timeout={int(deadline * 1000)}"
    result = []

    def check():
        try:
            with psycopg.connect(**params) as conn:
                conn.execute("SELECT 1")
            result.append(True)
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            result.append(False)

    # A daemon thread: a hung check never keeps the worker from exiting, and it ends by
    # itself once connect_timeout or the statement timeout fires.
    thread = threading.Thread(target=check, name="health-db-check", daemon=True)
    thread.start()
    thread.join(deadline)
    return bool(result and result[0])


def _embedded_database_answers(alias):
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


@login_not_required
@never_cache
@require_safe
def health(request):
    database = database_reachable()
    recording = spool.status()
    healthy = database and recording["ok"]
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": database,
        "geoip": geo.city_database_status(),
        "recording": recording,
        "version": settings.APP_VERSION,
    }
    return JsonResponse(body, status=200 if healthy else 503)
