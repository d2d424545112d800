"""GET /health: what a platform probe or an on-call person needs to know in one request.

The answer is built from sections (`_sections`): each gives its key in the body and whether
it makes the whole answer 503.

The database check opens its own short-lived connection with a statement timeout (so it
also proves that a new connection can be made), and runs under a deadline in a thread:
libpq's connect_timeout cannot go below 2 s and does not cover a server that accepts the
connection and then never answers. Its answer is shared by every request of the process
for HEALTH_DATABASE_CACHE_SECONDS and at most one check runs at a time, so a flood of
/health requests costs one connection per second per worker, not one per request.
"""

import math
import threading
import time

import psycopg
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from analytics.clicks import geo
from analytics.clicks.spool import flusher


class _SharedCheck:
    """One check's answer, reused for a while by every thread of the process.

    A thread that finds no fresh answer starts the check (unless one is already running)
    and waits for it until that check's deadline; a check still running then counts as
    failed, and is left to end on its own timeouts while the next one starts afresh.
    """

    def __init__(self, check):
        self._check = check
        self._lock = threading.Lock()
        self._answer = False
        self._answered_at = -math.inf
        self._running = None  # the thread of the check under way
        self._running_until = 0.0

    def __call__(self, deadline, reuse_for):
        with self._lock:
            now = time.monotonic()
            if now - self._answered_at < reuse_for:
                return self._answer
            if self._running is None:
                # A daemon thread: a hung check never keeps the worker from exiting.
                self._running = threading.Thread(target=self._run, name="health-check", daemon=True)
                self._running_until = now + deadline
                self._running.start()
            running, until = self._running, self._running_until
        running.join(max(0.0, until - time.monotonic()))
        with self._lock:
            if self._running is running:  # past its deadline
                self._running = None
                self._record(False)
            return self._answer

    def _run(self):
        answer = self._check()
        with self._lock:
            if self._running is threading.current_thread():
                self._running = None
                self._record(answer)

    def _record(self, answer):
        self._answer = answer
        self._answered_at = time.monotonic()


_checks = {}
_checks_lock = threading.Lock()


def reset():
    """Forget every shared answer (tests)."""
    with _checks_lock:
        _checks.clear()


def _postgresql_answers(params):
    try:
        with psycopg.connect(**params) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def database_reachable(deadline=None, alias="default"):
    """Whether the database answers `SELECT 1` within `deadline` seconds (PostgreSQL), or
    the quick start's SQLite file can be read; a recent answer of this process is reused."""
    deadline = settings.HEALTH_DATABASE_DEADLINE if deadline is None else deadline
    database = connections[alias]
    if database.vendor != "postgresql":
        return _embedded_database_answers(alias)
    # One shared check per server: a test or a reconfigured alias pointing elsewhere never
    # reuses another server's answer. Read from the settings, not built per request.
    where = database.settings_dict
    key = (alias, deadline, *(where.get(name) for name in ("HOST", "PORT", "NAME", "USER")))
    check = _checks.get(key)
    if check is None:
        params = database.get_connection_params()
        params["connect_timeout"] = max(2, int(deadline))
        params["options"] = f"-c statement_timeout={int(deadline * 1000)}"
        with _checks_lock:
            check = _checks.setdefault(key, _SharedCheck(lambda: _postgresql_answers(params)))
    return check(deadline, settings.HEALTH_DATABASE_CACHE_SECONDS)


def _embedded_database_answers(alias):
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _sections():
    """(key, value, healthy) for each part of the answer; one unhealthy part makes it 503."""
    database = database_reachable()
    yield "database", database, database
    yield "geoip", geo.status(), True  # clicks are still recorded without GeoIP
    recording = flusher.status()
    yield "recording", recording, recording["ok"]


@login_not_required
@never_cache
@require_safe
def health(request):
    body, healthy = {}, True
    for key, value, ok in _sections():
        body[key] = value
        healthy = healthy and ok
    body = {"status": "ok" if healthy else "unavailable", **body, "version": settings.APP_VERSION}
    return JsonResponse(body, status=200 if healthy else 503)
