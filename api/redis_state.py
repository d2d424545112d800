"""The Redis connection the API shares between workers (key changes, rate limits).

A Redis that hangs must not hold an API request: short timeouts, and after an error Redis is
left alone for a few seconds (each caller then uses its fallback) instead of adding a
timeout to every request of an outage.
"""

import logging
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 0.2
_RETRY_AFTER_ERROR_SECONDS = 5.0

_client = None
_client_url = None
_down_until = 0.0


def client():
    """A Redis client, or None without REDIS_URL or shortly after an error."""
    global _client, _client_url
    url = settings.REDIS_URL
    if not url or time.monotonic() < _down_until:
        return None
    if _client is None or _client_url != url:
        _client = redis.Redis.from_url(
            url, socket_timeout=_TIMEOUT_SECONDS, socket_connect_timeout=_TIMEOUT_SECONDS
        )
        _client_url = url
    return _client


def failed(error):
    """Note a Redis error: callers fall back for a few seconds."""
    global _down_until
    if time.monotonic() >= _down_until:
        logger.warning("Redis unavailable for the API, falling back for a while: %s", error)
    _down_until = time.monotonic() + _RETRY_AFTER_ERROR_SECONDS


def key(name):
    return f"{settings.REDIS_KEY_PREFIX}{name}"


def reset():
    global _client, _client_url, _down_until
    _client, _client_url, _down_until = None, None, 0.0
