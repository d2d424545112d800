"""Each key's rate: a burst, then 429 with Retry-After; shared by every worker through Redis."""

import time

import pytest

from api import ratelimit

from .helpers import problem


@pytest.fixture
def small_bucket(settings):
    settings.API_RATE_LIMIT_BURST = 3
    settings.API_RATE_LIMIT_PER_MINUTE = 60


def spend(api, count):
    return [api.get("/api/v1/tags").status_code for _ in range(count)]


def test_a_key_gets_its_burst_then_429_with_retry_after(api, small_bucket):
    assert spend(api, 3) == [200, 200, 200]
    refused = api.get("/api/v1/tags")
    body = problem(refused, 429)
    assert body["code"] == "rate_limited"
    assert refused["Retry-After"] == "1"


def test_each_key_has_its_own_bucket(api, api_as, small_bucket):
    spend(api, 4)
    assert spend(api_as(), 3) == [200, 200, 200]


def test_the_bucket_refills_at_the_sustained_rate(api, settings):
    settings.API_RATE_LIMIT_BURST = 1
    settings.API_RATE_LIMIT_PER_MINUTE = 600  # one every 0.1 s
    assert spend(api, 2) == [200, 429]
    time.sleep(0.15)
    assert spend(api, 1) == [200]


def test_with_redis_every_worker_shares_the_bucket(api, small_bucket, settings, local_redis):
    settings.REDIS_URL = local_redis.url
    assert spend(api, 3) == [200, 200, 200]
    # Another worker: nothing in this process's memory, the count is in Redis.
    ratelimit.reset()
    assert spend(api, 1) == [429]
    buckets = local_redis.keys()
    [bucket] = [name for name in buckets if "api-rate:" in name]
    assert 0 < local_redis.client.pttl(bucket) <= 4000


def test_without_redis_answering_each_process_counts_alone(api, small_bucket, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert spend(api, 4) == [200, 200, 200, 429]
