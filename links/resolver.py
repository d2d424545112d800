"""Short code -> redirect target, cached in each process.

The redirect looks a code up in a small per-process cache before asking PostgreSQL.
With Redis (REDIS_URL), a saved, deactivated or deleted link is announced on a stream
(`links.link_changes`) that every worker reads at most once per LINK_CACHE_SYNC_INTERVAL
(1 s), so entries can live LINK_CACHE_TTL (3,600 s) and a change still reaches every worker
within about a second. Without Redis, or while it is unreachable, entries live
LINK_CACHE_TTL_WITHOUT_SYNC (5 s): that is then the window for a change. Unknown codes are
cached too (bounded), always for the short window, since a link created by a bulk import
announces nothing. Expiry is checked on every request against the cached time: exact.

When PostgreSQL does not answer, a known link keeps redirecting from its last cached
target (up to LINK_CACHE_STALE_SECONDS old) and PostgreSQL is not asked again for a
second; a code this process has never seen answers 503.
"""

import gc
import logging
import random
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import link_changes
from .models import Link

logger = logging.getLogger(__name__)

_RETRY_AFTER_FAILURE_SECONDS = 1.0


class LookupUnavailable(Exception):
    """PostgreSQL is unreachable and this process has no cached answer."""


@dataclass(frozen=True, slots=True)
class Target:
    link_id: object
    destination: str
    forward_query: bool
    is_active: bool
    expires_at: datetime | None

    def is_expired(self, now):
        return self.expires_at is not None and self.expires_at <= now


_cache = OrderedDict()  # code -> (monotonic time fetched, Target or None)
_lock = threading.Lock()
_database_down_until = 0.0


# Raw SQL: the ORM costs about three times this query's own time on a cache miss, and
# psycopg prepares a statement it has run five times, so PostgreSQL plans it once.
_FETCH_SQL = (
    "SELECT id, original_url, forward_query, is_active, expires_at FROM links WHERE short_code = %s"
)


def _fetch(code):
    # Django's per-request health check (CONN_HEALTH_CHECKS) would add a "SELECT 1" round
    # trip to every miss; the retry below catches a dead connection instead.
    connection.health_check_done = True
    with connection.cursor() as cursor:
        cursor.execute(_FETCH_SQL, [code])
        row = cursor.fetchone()
    return Target(*row) if row else None


def _fetch_or_reconnect(code):
    try:
        return _fetch(code)
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        # A connection PostgreSQL dropped (a restart) fails once; a new one may work.
        connection.close()
        return _fetch(code)


def _sync(now):
    """Forget the codes other workers announced as changed; whether announcements work."""
    synced, changed = link_changes.poll(now)
    if changed is None:
        forget()
    else:
        for changed_code in changed:
            _cache.pop(changed_code, None)
    return synced


def _fresh(entry, now, synced):
    known = entry[1] is not None
    ttl = settings.LINK_CACHE_TTL if synced and known else settings.LINK_CACHE_TTL_WITHOUT_SYNC
    return now - entry[0] < ttl


def cached(code):
    """The Target of `code` if this worker holds a fresh entry for a link; never asks
    PostgreSQL (the WSGI fast lane, links.fast_redirect). None: not known here right now."""
    now = time.monotonic()
    synced = _sync(now)
    entry = _cache.get(code)
    if entry is not None and _fresh(entry, now, synced):
        return entry[1]
    return None


def resolve(code):
    """The Target of `code`, None if no link has it; LookupUnavailable if unknowable now."""
    global _database_down_until
    now = time.monotonic()
    synced = _sync(now)
    entry = _cache.get(code)
    if entry is not None and _fresh(entry, now, synced):
        return entry[1]
    if now >= _database_down_until:
        try:
            target = _fetch_or_reconnect(code)
        except DatabaseError as error:
            if _database_down_until == 0.0:
                logger.warning("link lookups served from cache, PostgreSQL unavailable: %s", error)
            _database_down_until = now + _RETRY_AFTER_FAILURE_SECONDS
        else:
            if _database_down_until:
                logger.warning("PostgreSQL back for link lookups")
                _database_down_until = 0.0
            with _lock:
                _cache[code] = (now, target)
                _cache.move_to_end(code)
                while len(_cache) > settings.LINK_CACHE_SIZE:
                    _cache.popitem(last=False)
            return target
    if entry is not None and now - entry[0] < settings.LINK_CACHE_STALE_SECONDS:
        return entry[1]
    raise LookupUnavailable(code)


_PRIME_SQL = (
    "SELECT short_code, id, original_url, forward_query, is_active, expires_at FROM links "
    "WHERE is_active ORDER BY created_at DESC LIMIT %s"
)


def prime(limit=None):
    """Fill this worker's cache with the newest active links (gunicorn's post_worker_init).

    Every worker would otherwise miss once on every code it meets, five times per code with
    five workers. Entry ages are spread over half the TTL so they do not all expire at once.
    """
    limit = settings.LINK_CACHE_PRIME if limit is None else limit
    limit = min(limit, settings.LINK_CACHE_SIZE)
    if limit <= 0:
        return 0
    now = time.monotonic()
    synced, _codes = link_changes.poll(now)  # the stream position first: later changes evict
    # The cyclic garbage collector paused while ~500,000 objects are built: its passes over
    # them took 0.47 of the 0.60 s this costs at every worker's boot, and during a reload
    # visitors wait for five workers booting at once. These objects form no cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with connection.cursor() as cursor:
            cursor.execute(_PRIME_SQL, [limit])
            rows = cursor.fetchall()
        spread = (settings.LINK_CACHE_TTL if synced else settings.LINK_CACHE_TTL_WITHOUT_SYNC) / 2
        with _lock:
            for code, *target in reversed(rows):
                _cache[code] = (now - random.random() * spread, Target(*target))
                _cache.move_to_end(code)
            while len(_cache) > settings.LINK_CACHE_SIZE:
                _cache.popitem(last=False)
    finally:
        if collecting:
            gc.enable()
    return len(rows)


def forget(code=None):
    """Drop one code's entry (or all of them) from this process's cache."""
    global _database_down_until
    with _lock:
        if code is None:
            _cache.clear()
            _database_down_until = 0.0
        else:
            _cache.pop(code, None)


def changed(code):
    """A link's code now redirects differently: this worker forgets it at once, the others
    when they next read the change stream."""
    forget(code)
    link_changes.announce(code)


@receiver([post_save, post_delete], sender=Link, dispatch_uid="links.resolver.changed")
def _link_saved(sender, instance, **kwargs):
    changed(instance.short_code)
