"""Short code -> redirect target, cached in each process.

The redirect looks a code up in a small per-process cache before asking PostgreSQL.
With Redis (REDIS_URL), a saved, deactivated or deleted link is announced on a stream
(`links.link_changes`) that every worker reads at most once per LINK_CACHE_SYNC_INTERVAL
(1 s), so entries can live LINK_CACHE_TTL (3,600 s) and a change still reaches every worker
within about a second. Without Redis, or while it is unreachable, entries live
LINK_CACHE_TTL_WITHOUT_SYNC (5 s): that is then the window for a change. Expiry is checked
on every request against the cached time: exact.

Codes no link has never enter that cache, so a scan of random codes cannot push real links
out of it. While announcements work, each worker also holds the set of every active
link's code (read at start, the codes announced since added to it): a code outside it
answers 404 with no query. The set is read again after anything that may have hidden a
change (Redis away, a bulk import announcing everything), in a thread, and until it is
back, or without Redis, codes found missing are remembered in a small separate cache for
the short window.

When PostgreSQL does not answer, a known link keeps redirecting from its last cached
target (up to LINK_CACHE_STALE_SECONDS old) and PostgreSQL is not asked again for a
second; a code this process has never seen answers 503 unless the set says no link has it.
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

from macondo.degraded import Dependency

from . import link_changes
from .models import redirects_now

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

    def is_live(self, now):
        """Whether the link redirects at `now` (links.models.redirects_now)."""
        return redirects_now(self.is_active, self.expires_at, now)


_cache = OrderedDict()  # code -> (monotonic time fetched, Target), least recent first
_missing = OrderedDict()  # code no link had -> monotonic time it was asked
_lock = threading.Lock()
_database = Dependency(
    logger,
    down="link lookups served from cache, PostgreSQL unavailable: %s",
    back="PostgreSQL back for link lookups",
    retry_seconds=_RETRY_AFTER_FAILURE_SECONDS,
)
# Every active link's code (plus codes announced since), or None while unknown. A set of
# str costs ~90 bytes per code (measured for 1,000,000 7-character codes: 89.6 MB, 34 of
# them the table); see docs/redirect.md, "Lookup cache", for why not a Bloom filter.
_known = None
_keeps_known = False  # this worker reads the set (gunicorn's post_worker_init: prime)
_pending = set()  # codes announced while the set is being read
_known_generation = 0  # a read started before the latest reset is thrown away
_known_reading = False
_known_retry_at = 0.0
_KNOWN_RETRY_SECONDS = 5.0
_KNOWN_SQL = "SELECT short_code FROM links WHERE is_active"


def _forget_known():
    """The set is no longer trusted (called with _lock held)."""
    global _known, _known_generation
    _known = None
    _pending.clear()
    _known_generation += 1


def _read_known_codes():
    """Every active link's code, into the set; the codes announced meanwhile are added."""
    global _known
    with _lock:
        generation = _known_generation
        # The cached links' code strings are shared rather than held twice.
        codes = set(_cache)
    with connection.cursor() as cursor:
        cursor.execute(_KNOWN_SQL)
        codes.update(code for (code,) in cursor.fetchall())
    with _lock:
        if generation == _known_generation:
            codes.update(_pending)
            _pending.clear()
            _known = codes
    return len(codes)


def _read_known_codes_in_background():
    global _known_reading
    with _lock:
        if _known_reading:
            return
        _known_reading = True

    def read():
        global _known_reading, _known_retry_at
        try:
            count = _read_known_codes()
            logger.info("known short codes read again: %d", count)
        except DatabaseError as error:
            logger.warning("known short codes not read, unknown codes ask PostgreSQL: %s", error)
            _known_retry_at = time.monotonic() + _KNOWN_RETRY_SECONDS
        finally:
            connection.close()  # this thread's own connection
            _known_reading = False

    # Until it is read, codes outside the cache are asked of PostgreSQL, as before.
    threading.Thread(target=read, name="known-codes", daemon=True).start()


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
        with _lock:
            _cache.clear()
            _missing.clear()
            _forget_known()
    elif changed:
        with _lock:
            # Maybe a new link: the set takes it, and the first visit asks PostgreSQL.
            known = _known if _known is not None else _pending if _keeps_known else set()
            for changed_code in changed:
                _cache.pop(changed_code, None)
                _missing.pop(changed_code, None)
                known.add(changed_code)
    if _keeps_known and _known is None and synced and now >= _known_retry_at:
        _read_known_codes_in_background()
    return synced


def _fresh(entry, now, synced):
    ttl = settings.LINK_CACHE_TTL if synced else settings.LINK_CACHE_TTL_WITHOUT_SYNC
    return now - entry[0] < ttl


def _absent(code, now, synced):
    """Whether this worker knows, without asking PostgreSQL, that no link has `code`."""
    known = _known
    if synced and known is not None and code not in known:
        return True
    asked = _missing.get(code)
    return asked is not None and now - asked < settings.LINK_CACHE_TTL_WITHOUT_SYNC


def cached(code):
    """The Target of `code` if this worker holds a fresh entry for a link; never asks
    PostgreSQL (the WSGI fast lane, links.fast_redirect). None: not known here right now."""
    now = time.monotonic()
    synced = _sync(now)
    entry = _cache.get(code)
    if entry is not None and _fresh(entry, now, synced):
        return entry[1]
    return None


def known_missing(code):
    """Whether this worker knows, without asking PostgreSQL, that no link has `code` (the
    WSGI fast lane answers its 404)."""
    now = time.monotonic()
    synced = _sync(now)
    return code not in _cache and _absent(code, now, synced)


def resolve(code):
    """The Target of `code`, None if no link has it; LookupUnavailable if unknowable now."""
    now = time.monotonic()
    synced = _sync(now)
    entry = _cache.get(code)
    if entry is not None and _fresh(entry, now, synced):
        return entry[1]
    if entry is None and _absent(code, now, synced):
        return None
    if _database.may_try(now):
        try:
            target = _fetch_or_reconnect(code)
        except DatabaseError as error:
            _database.failed(error, now)
        else:
            _database.answered()
            with _lock:
                if target is None:
                    _missing[code] = now
                    _missing.move_to_end(code)
                    while len(_missing) > settings.LINK_CACHE_MISSING_SIZE:
                        _missing.popitem(last=False)
                else:
                    _missing.pop(code, None)
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
    With Redis, it also reads the set of every active link's code (unknown codes: no query).
    """
    global _keeps_known
    limit = settings.LINK_CACHE_PRIME if limit is None else limit
    limit = min(limit, settings.LINK_CACHE_SIZE)
    now = time.monotonic()
    synced, _codes = link_changes.poll(now)  # the stream position first: later changes evict
    # Without announcements the set could not learn new links: it is not kept at all.
    _keeps_known = settings.LINK_CACHE_KNOWN_CODES and bool(settings.REDIS_URL)
    # The cyclic garbage collector paused while ~500,000 objects are built: its passes over
    # them took 0.47 of the 0.60 s this costs at every worker's boot, and during a reload
    # visitors wait for five workers booting at once. These objects form no cycles.
    collecting = gc.isenabled()
    gc.disable()
    rows = []
    try:
        if limit > 0:
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
        if _keeps_known and synced:
            _read_known_codes()  # otherwise read once Redis answers (_sync)
    finally:
        if collecting:
            gc.enable()
    return len(rows)


def forget(code=None):
    """Drop one code's entry (or all of them, the set of codes too, and stop keeping it:
    tests) from this process's caches."""
    global _keeps_known
    with _lock:
        if code is None:
            _cache.clear()
            _missing.clear()
            _forget_known()
            _keeps_known = False
            _database.reset()
        else:
            _cache.pop(code, None)
            _missing.pop(code, None)
            if _known is not None:
                _known.add(code)


def changed(code):
    """A link's code now redirects differently: this worker forgets it at once, the others
    when they next read the change stream."""
    forget(code)
    link_changes.announce(code)


def link_saved(sender, instance, **kwargs):
    """post_save and post_delete of a Link (connected in LinksConfig.ready)."""
    changed(instance.short_code)
