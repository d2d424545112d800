"""Requests per API key: a token bucket of API_RATE_LIMIT_BURST requests that refills at
API_RATE_LIMIT_PER_MINUTE.

Counted in Redis (one key per API key, REDIS_KEY_PREFIX + "api-rate:" + id, expiring once
the bucket is full again), so every worker shares one bucket per key. The bucket is kept as
GCRA's "theoretical arrival time": one number per key and one atomic script call per
request, with Redis's own clock so that the workers' clocks do not matter. Without Redis, or
while it does not answer, each process keeps its own buckets (so N processes allow up to N
times the rate): the limit protects the service, a lost count is no harm.
"""

import math
import threading
import time
from collections import OrderedDict

import redis
from django.conf import settings

from . import redis_state

# ARGV: seconds per request, burst. Returns {allowed (1/0), seconds to wait (text)}.
_SCRIPT = """
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local allow_at = tat - interval * (burst - 1)
if now < allow_at then
  return {0, tostring(allow_at - now)}
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
return {1, '0'}
"""

_script = None
_local = OrderedDict()
_local_lock = threading.Lock()
_LOCAL_MAX = 10_000


def _parameters():
    per_minute = max(settings.API_RATE_LIMIT_PER_MINUTE, 1)
    return 60.0 / per_minute, max(settings.API_RATE_LIMIT_BURST, 1)


def _redis_check(client, key_id, interval, burst):
    global _script
    if _script is None or _script.registered_client is not client:
        _script = client.register_script(_SCRIPT)
    allowed, wait = _script(keys=[redis_state.key(f"api-rate:{key_id}")], args=[interval, burst])
    return bool(allowed), float(wait)


def _local_check(key_id, interval, burst):
    now = time.monotonic()
    with _local_lock:
        tat = max(_local.get(key_id, now), now)
        allow_at = tat - interval * (burst - 1)
        if now < allow_at:
            return False, allow_at - now
        _local[key_id] = tat + interval
        _local.move_to_end(key_id)
        while len(_local) > _LOCAL_MAX:
            _local.popitem(last=False)
    return True, 0.0


def check(key_id):
    """None when the key may make this request, else the whole seconds to wait (≥ 1)."""
    interval, burst = _parameters()
    client = redis_state.client()
    allowed = None
    if client is not None:
        try:
            allowed, wait = _redis_check(client, key_id, interval, burst)
        except redis.RedisError as error:
            redis_state.failed(error)
        else:
            redis_state.answered()
    if allowed is None:
        allowed, wait = _local_check(key_id, interval, burst)
    return None if allowed else max(1, math.ceil(wait))


def reset():
    global _script
    _script = None
    with _local_lock:
        _local.clear()
