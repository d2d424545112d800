"""Bursts: the same IP and user agent clicking the same link BOT_BURST_COUNT or more times
within BOT_BURST_WINDOW_SECONDS (the existing system: 6 within 30 s). The click that reaches
the count and every later one inside the window are bots; the earlier ones stay as judged.

State must be shared by all gunicorn workers, so it never lives in a per-process dict:
- with REDIS_URL: one sorted set per (link, IP, user-agent hash) holding at most
  BOT_BURST_COUNT timestamps and expiring with the window, so memory stays bounded however
  fast a client clicks. A Redis error means "no burst evidence" for that click (never an
  error page); it is logged once per outage and Redis is not retried for a few seconds, so
  an outage does not add a timeout to every redirect.
- without REDIS_URL (the quick start, one-process deployments): a bounded in-process
  window per key. It is NOT shared between gunicorn workers, so production sets REDIS_URL
  (settings log a warning at start when it is missing). The clicks table is no fallback: a
  query per redirect would put the database back on the hot path, and clicks reach the
  table only when the spool is flushed, a second or so after the redirect.
"""

import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict, deque

from django.conf import settings

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


class LocalBursts:
    """Per-process sliding windows, for deployments without Redis (see the module doc)."""

    def __init__(self, count, window, max_keys=50_000):
        self.count, self.window, self.max_keys = count, window, max_keys
        self._windows = OrderedDict()
        self._lock = threading.Lock()

    def is_burst(self, visitor):
        now = visitor.timestamp.timestamp() if visitor.timestamp else time.time()
        ua_hash = hashlib.blake2b(visitor.user_agent.encode(), digest_size=8).digest()
        key = (str(visitor.link_id), visitor.ip, ua_hash)
        with self._lock:
            times = self._windows.pop(key, None) or deque(maxlen=self.count)
            while times and times[0] <= now - self.window:
                times.popleft()
            times.append(now)
            self._windows[key] = times
            # Bounded memory: the least recently seen clients are forgotten first.
            while len(self._windows) > self.max_keys:
                self._windows.popitem(last=False)
            return len(times) >= self.count


_detectors = {}


def detector():
    """This process's detector for the current settings (one Redis connection pool)."""
    config = (settings.REDIS_URL, settings.BOT_BURST_COUNT, settings.BOT_BURST_WINDOW_SECONDS)
    if config not in _detectors:
        url, count, window = config
        _detectors[config] = (
            RedisBursts(url, count, window, timeout=settings.BOT_REDIS_TIMEOUT_SECONDS)
            if url
            else LocalBursts(count, window)
        )
    return _detectors[config]


def is_burst(visitor):
    if visitor.link_id is None or not visitor.ip:
        return False
    return detector().is_burst(visitor)
