"""The Redis connection the API shares between workers (key changes, rate limits).

A Redis that hangs must not hold an API request: short timeouts, and after an error Redis is
left alone for a few seconds (each caller then uses its fallback) instead of adding a
timeout to every request of an outage.
"""

import logging

import redis
from django.conf import settings

from macondo.degraded import Dependency

logger = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 0.2
_RETRY_AFTER_ERROR_SECONDS = 5.0

_client = None
_client_url = None
_redis = Dependency(
    logger,
    down="Redis unavailable for the API, falling back for a while: %s",
    back="Redis answers the API again",
    retry_seconds=_RETRY_AFTER_ERROR_SECONDS,
)


def client():
    """A Redis client, or None without REDIS_URL or shortly after an error."""
    global _client, _client_url
    url = settings.REDIS_URL
    if not url or not _redis.may_try():
        return None
    if _client is None or _client_url != url:
        _client = redis.Redis.from_url(
            url, socket_timeout=_TIMEOUT_SECONDS, socket_connect_timeout=_TIMEOUT_SECONDS
        )
        _client_url = url
    return _client


def failed(error):
    """Note a Redis error: callers fall back for a few seconds."""
    _redis.failed(error)


def answered():
    """Note a Redis answer (after an error, the log says Redis is back)."""
    _redis.answered()


def key(name):
    return f"{settings.REDIS_KEY_PREFIX}{name}"


def reset():
    global _client, _client_url
    _client, _client_url = None, None
    _redis.reset()
