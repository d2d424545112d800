"""Telling every worker that a link changed, so their lookup caches can be long.

A saved, deactivated or deleted link appends its code to a Redis stream (named
REDIS_KEY_PREFIX + "link-changes"); each worker reads the stream at most once per
LINK_CACHE_SYNC_INTERVAL (from the redirect path, one XREAD) and forgets those codes. Without Redis, or while it does not answer, nothing is announced
and the resolver falls back to short cache entries (LINK_CACHE_TTL_WITHOUT_SYNC).
"""

import logging
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

_STREAM_MAX_LENGTH = 100_000
_RETRY_AFTER_FAILURE_SECONDS = 5.0


class _Feed:
    def __init__(self, url, prefix):
        self.url, self.prefix = url, prefix
        self.stream = f"{prefix}link-changes"
        # A Redis that hangs must not hold a redirect: fail fast, retry later.
        self.client = redis.Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)
        self.last_id = None
        self.next_read = 0.0
        self.healthy = False

    def announce(self, code):
        try:
            self.client.xadd(
                self.stream, {"code": code}, maxlen=_STREAM_MAX_LENGTH, approximate=True
            )
        except redis.RedisError as error:
            logger.warning("link change of %s not announced, Redis unavailable: %s", code, error)

    def announce_all(self):
        try:
            self.client.xadd(self.stream, {"all": "1"}, maxlen=_STREAM_MAX_LENGTH, approximate=True)
        except redis.RedisError as error:
            logger.warning("bulk link change not announced, Redis unavailable: %s", error)

    def read(self):
        """Codes changed since the last read, or None when everything must be forgotten
        (first contact, Redis was away and changes may have been missed, or a bulk change
        was announced)."""
        try:
            if self.last_id is None:
                newest = self.client.xrevrange(self.stream, count=1)
                self.last_id = newest[0][0] if newest else b"0-0"
                self.healthy = True
                return None
            entries = self.client.xread({self.stream: self.last_id}, count=10_000) or []
        except redis.RedisError as error:
            if self.healthy:
                logger.warning("link changes unreadable, short cache entries: %s", error)
            self.healthy = False
            self.last_id = None
            return ()
        codes = []
        everything = False
        for _stream, messages in entries:
            for message_id, fields in messages:
                self.last_id = message_id
                if b"all" in fields:
                    everything = True
                else:
                    codes.append(fields.get(b"code", b"").decode())
        return None if everything else codes


_feed = None


def _current_feed():
    global _feed
    url = settings.REDIS_URL
    if not url:
        return None
    prefix = settings.REDIS_KEY_PREFIX
    if _feed is None or _feed.url != url or _feed.prefix != prefix:
        _feed = _Feed(url, prefix)
    return _feed


def announce(code):
    feed = _current_feed()
    if feed is not None:
        feed.announce(code)


def announce_all():
    """Many links changed without a signal each (a bulk import): every worker forgets its
    cache and reads the codes that exist again."""
    feed = _current_feed()
    if feed is not None:
        feed.announce_all()


def poll(now=None):
    """(synced, codes): whether this worker hears about changes, and the codes to forget
    now (None: forget everything). Reads Redis at most once per sync interval."""
    feed = _current_feed()
    if feed is None:
        return False, ()
    now = time.monotonic() if now is None else now
    if now < feed.next_read:
        return feed.healthy, ()
    codes = feed.read()
    feed.next_read = now + (
        settings.LINK_CACHE_SYNC_INTERVAL if feed.healthy else _RETRY_AFTER_FAILURE_SECONDS
    )
    return feed.healthy, codes


def reset():
    global _feed
    _feed = None
