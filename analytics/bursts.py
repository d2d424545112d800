"""Bursts: the same IP and user agent clicking the same link BOT_BURST_COUNT or more times
within BOT_BURST_WINDOW_SECONDS (the existing system: 6 within 30 s). The click that reaches
the count and every later one inside the window are bots; the earlier ones stay as judged.

State must be shared by all gunicorn workers, so it never lives in a per-process dict:
- with REDIS_URL: one sorted set per (link, IP, user-agent hash) holding at most
  BOT_BURST_COUNT timestamps and expiring with the window, so memory stays bounded however
  fast a client clicks. A Redis error means "no burst evidence" for that click (never an
  error page); it is logged once per outage and Redis is not retried for a few seconds, so
  an outage does not add a timeout to every redirect.
- without REDIS_URL: the clicks table itself, counting this link's clicks from the same IP
  and user agent in the window (one query on the (link, timestamp) index).
"""

import hashlib
import logging
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError
from django.utils import timezone

logger = logging.getLogger(__name__)

RETRY_AFTER_ERROR_SECONDS = 5


class RedisBursts:
    def __init__(self, url, count, window, prefix="macondo:burst:", timeout=0.1):
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.count, self.window, self.prefix = count, window, prefix
        self._down_until = 0.0
        self._lock = threading.Lock()

    def key(self, visitor):
        ua_hash = hashlib.blake2b(visitor.user_agent.encode(), digest_size=8).hexdigest()
        return f"{self.prefix}{visitor.link_id}:{visitor.ip}:{ua_hash}"

    def is_burst(self, visitor):
        if time.monotonic() < self._down_until:
            return False
        now = visitor.timestamp.timestamp() if visitor.timestamp else time.time()
        key = self.key(visitor)
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.zremrangebyscore(key, "-inf", now - self.window)
            pipe.zadd(key, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
            # Keep only the newest `count` clicks: enough to answer, bounded in memory.
            pipe.zremrangebyrank(key, 0, -(self.count + 1))
            pipe.zcard(key)
            pipe.expire(key, int(self.window) + 1)
            in_window = pipe.execute()[3]
        except Exception as exc:  # any Redis failure: no evidence, never a failed redirect
            with self._lock:
                if self._down_until == 0.0:
                    logger.warning("Burst detection off, Redis unavailable: %s", exc)
                self._down_until = time.monotonic() + RETRY_AFTER_ERROR_SECONDS
            return False
        if self._down_until:
            logger.info("Burst detection back on, Redis answers again")
            self._down_until = 0.0
        return in_window >= self.count


class DatabaseBursts:
    def __init__(self, count, window):
        self.count, self.window = count, window

    def is_burst(self, visitor):
        from .models import Click

        now = visitor.timestamp or timezone.now()
        try:
            return self._count_earlier(Click, visitor, now) >= self.count - 1
        except (ValueError, ValidationError, DataError) as exc:
            # Values the column cannot hold (a NUL byte, a malformed IP), refused before the
            # query is sent: no burst evidence, the transaction stays usable.
            logger.info("No burst check for this click: %s", exc)
            return False

    def _count_earlier(self, Click, visitor, now):
        earlier = Click.objects.filter(
            link_id=visitor.link_id,
            ip_address=visitor.ip,
            user_agent=visitor.user_agent,
            timestamp__gt=now - timedelta(seconds=self.window),
            timestamp__lte=now,
        )
        # This click is not stored yet: count-1 earlier ones make it the count-th.
        return earlier[: self.count - 1].count()


_detectors = {}


def detector():
    """This process's detector for the current settings (one Redis connection pool)."""
    config = (settings.REDIS_URL, settings.BOT_BURST_COUNT, settings.BOT_BURST_WINDOW_SECONDS)
    if config not in _detectors:
        url, count, window = config
        _detectors[config] = (
            RedisBursts(url, count, window, timeout=settings.BOT_REDIS_TIMEOUT_SECONDS)
            if url
            else DatabaseBursts(count, window)
        )
    return _detectors[config]


def is_burst(visitor):
    if visitor.link_id is None or not visitor.ip:
        return False
    return detector().is_burst(visitor)
