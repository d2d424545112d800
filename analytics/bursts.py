"""Bursts: the same IP and user agent clicking the same link BOT_BURST_COUNT or more times
within BOT_BURST_WINDOW_SECONDS (the existing system: 6 within 30 s). The click that reaches
the count and every later one inside the window are bots; the earlier ones stay as judged.

State must be shared by all gunicorn workers, so it never lives in a per-process dict:
- with REDIS_URL: one sorted set per (link, IP, user-agent hash), named
  REDIS_KEY_PREFIX + "burst:" + link:IP:hash, holding at most
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
from collections import OrderedDict
from datetime import datetime

from django.conf import settings

from .bots import with_burst

logger = logging.getLogger(__name__)

RETRY_AFTER_ERROR_SECONDS = 5


def click_key(link_id, ip, user_agent):
    ua_hash = hashlib.blake2b((user_agent or "").encode(), digest_size=8).hexdigest()
    return f"{link_id}:{ip}:{ua_hash}"


# For each click of a batch, in order: drop timestamps older than the window, add this
# click, keep only the newest 10 x `count` (bounded memory however fast a client clicks;
# more than `count` so that a batch loaded again after a failed INSERT counts the same),
# expire with the window, and answer how many clicks fall in the window ending at this one.
# The batch comes as one "key TAB time TAB member" line per click: one argument to encode
# instead of one command per click, which cost redis-py ~60 µs of Python per click.
_BATCH_SCRIPT = r"""
local window, count, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local counts = {}
for key, now, member in string.gmatch(ARGV[4], "([^\t\n]+)\t([^\t\n]+)\t([^\t\n]+)\n") do
  key, now = prefix .. key, tonumber(now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  redis.call('ZADD', key, now, member)
  redis.call('ZREMRANGEBYRANK', key, 0, -(10 * count + 1))
  redis.call('EXPIRE', key, math.floor(window) + 1)
  counts[#counts + 1] = redis.call('ZCOUNT', key, now - window, now)
end
return counts
"""
# Clicks per script call: Redis runs a script atomically, so a call must stay short.
_CLICKS_PER_CALL = 500


class RedisBursts:
    def __init__(self, url, count, window, *, prefix, timeout=0.1):
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.count, self.window, self.prefix = count, window, prefix
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._script = self.client.register_script(_BATCH_SCRIPT)

    def bursts(self, clicks):
        """Which of `clicks` ((key, timestamp, member) tuples, oldest first) are bursts,
        counted in one round trip for the whole batch."""
        if not clicks or time.monotonic() < self._down_until:
            return [False] * len(clicks)
        try:
            pipe = self.client.pipeline(transaction=False)
            for start in range(0, len(clicks), _CLICKS_PER_CALL):
                lines = "".join(
                    f"{key}\t{now!r}\t{member}\n"
                    for key, now, member in clicks[start : start + _CLICKS_PER_CALL]
                )
                self._script(args=[self.window, self.count, self.prefix, lines], client=pipe)
            counts = [count for chunk in pipe.execute() for count in chunk]
        except Exception as exc:  # no evidence, never a lost click
            self._went_down(exc)
            return [False] * len(clicks)
        self._back_up()
        return [count >= self.count for count in counts]

    def _went_down(self, exc):
        with self._lock:
            if self._down_until == 0.0:
                logger.warning("Burst detection off, Redis unavailable: %s", exc)
            self._down_until = time.monotonic() + RETRY_AFTER_ERROR_SECONDS

    def _back_up(self):
        if self._down_until:
            logger.info("Burst detection back on, Redis answers again")
            self._down_until = 0.0


class LocalBursts:
    """Per-process sliding windows, for deployments without Redis (see the module doc)."""

    def __init__(self, count, window, max_keys=50_000):
        self.count, self.window, self.max_keys = count, window, max_keys
        self._windows = OrderedDict()
        self._lock = threading.Lock()

    def bursts(self, clicks):
        return [self._count(key, now, member) for key, now, member in clicks]

    def _count(self, key, now, member):
        # The same rule as the Redis script: clicks by member id, at most 10 x count kept.
        with self._lock:
            entries = self._windows.pop(key, None) or {}
            entries = {m: t for m, t in entries.items() if t > now - self.window}
            entries[member] = now
            if len(entries) > 10 * self.count:
                newest = sorted(entries.items(), key=lambda item: item[1])[-10 * self.count :]
                entries = dict(newest)
            self._windows[key] = entries
            # Bounded memory: the least recently seen clients are forgotten first.
            while len(self._windows) > self.max_keys:
                self._windows.popitem(last=False)
            return sum(1 for t in entries.values() if t <= now) >= self.count


_detectors = {}


def detector():
    """This process's detector for the current settings (one Redis connection pool)."""
    config = (
        settings.REDIS_URL,
        settings.BOT_BURST_COUNT,
        settings.BOT_BURST_WINDOW_SECONDS,
        settings.REDIS_KEY_PREFIX,
    )
    if config not in _detectors:
        url, count, window, prefix = config
        _detectors[config] = (
            RedisBursts(
                url,
                count,
                window,
                prefix=f"{prefix}burst:",
                timeout=settings.BOT_REDIS_TIMEOUT_SECONDS,
            )
            if url
            else LocalBursts(count, window)
        )
    return _detectors[config]


def mark_bursts(rows):
    """Add the burst verdict to click rows about to be written (the spool's flush).

    The redirect itself does not wait for Redis: its rows carry the rest of the verdict, and
    bursts are counted here, for a whole batch in one round trip, right before the INSERT.
    Members are click ids, so loading a batch twice (a replayed spool file) counts nothing
    twice. Rows are dicts as `analytics.tracking.click_row` makes them; changed in place.
    """
    candidates = sorted(
        (row for row in rows if row.get("link_id") and row.get("ip_address")),
        key=lambda row: row["timestamp"],
    )
    clicks = [
        (
            click_key(row["link_id"], row["ip_address"], row.get("user_agent")),
            datetime.fromisoformat(row["timestamp"]).timestamp(),
            row["id"],
        )
        for row in candidates
    ]
    for row, burst in zip(candidates, detector().bursts(clicks), strict=True):
        if burst:
            row["is_bot"], row["bot_reason"], row["bot_score"] = with_burst(row.get("bot_reason"))
