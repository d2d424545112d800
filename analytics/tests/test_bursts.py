import logging
import uuid
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from analytics import bursts
from analytics.bots import judge
from analytics.bursts import LocalBursts, RedisBursts
from analytics.models import Click
from analytics.tests.test_bots import CHROME
from analytics.visitor import Visitor

# Redis database 5 is this project's test database on the shared server; each test uses a
# key prefix of its own and deletes only its own keys.
REDIS_URL = "redis://127.0.0.1:6379/5"
NOWHERE = "redis://127.0.0.1:18599/5"  # nothing listens there


@pytest.fixture
def prefix():
    prefix = f"test-burst-{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def redis_available():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def clicks(count, start, step=1.0, link_id="link-1", ip="203.0.113.7", user_agent=CHROME):
    return [
        Visitor(
            user_agent=user_agent,
            ip=ip,
            link_id=link_id,
            timestamp=start + timedelta(seconds=n * step),
        )
        for n in range(count)
    ]


def test_the_sixth_click_within_30_seconds_is_a_burst_across_two_workers(redis_available, prefix):
    worker_a = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    worker_b = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    start = timezone.now()
    answers = [
        (worker_a if n % 2 else worker_b).is_burst(visitor)
        for n, visitor in enumerate(clicks(8, start, step=2))
    ]
    assert answers == [False] * 5 + [True] * 3


def test_clicks_spread_wider_than_the_window_are_no_burst(redis_available, prefix):
    detector = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    assert not any(detector.is_burst(v) for v in clicks(12, timezone.now(), step=7))


def test_other_links_ips_and_user_agents_count_apart(redis_available, prefix):
    detector = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    start = timezone.now()
    visitors = (
        clicks(2, start)
        + clicks(2, start, link_id="link-2")
        + clicks(2, start, ip="198.51.100.1")
        + clicks(2, start, user_agent=CHROME + " Edg/131.0.0.0")
    )
    assert not any(detector.is_burst(v) for v in visitors)


def test_memory_per_client_stays_bounded_and_expires(redis_available, prefix):
    detector = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    visitors = clicks(200, timezone.now(), step=0.01)
    for visitor in visitors:
        detector.is_burst(visitor)
    client = redis.Redis.from_url(REDIS_URL)
    key = detector.key(visitors[0])
    assert client.zcard(key) == 60  # 10 x the count, however many clicks came
    assert 0 < client.ttl(key) <= 31


def test_redis_down_means_no_burst_evidence_logged_once(caplog):
    detector = RedisBursts(NOWHERE, count=2, window=30)
    with caplog.at_level(logging.WARNING, logger="analytics.bursts"):
        answers = [detector.is_burst(v) for v in clicks(4, timezone.now())]
    assert answers == [False] * 4
    assert len(caplog.records) == 1
    assert "Redis unavailable" in caplog.records[0].getMessage()


def test_judge_still_answers_when_redis_is_down(settings):
    settings.REDIS_URL = NOWHERE
    visitor = clicks(1, timezone.now())[0]
    assert judge(visitor).reasons == ()
    assert judge(Visitor(user_agent="curl/8.4.0", link_id="x", ip="1.2.3.4")).is_bot


def test_judge_marks_a_burst_with_redis(settings, redis_available):
    settings.REDIS_URL = REDIS_URL
    link_id = uuid.uuid4()
    verdicts = [judge(v) for v in clicks(6, timezone.now(), link_id=link_id)]
    assert [v.is_bot for v in verdicts] == [False] * 5 + [True]
    assert verdicts[-1].reasons == ("burst",)
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"macondo:burst:{link_id}:*"):
        client.delete(key)


def test_without_redis_bursts_are_counted_in_the_process_without_a_query(
    settings, db, django_assert_num_queries
):
    settings.REDIS_URL = ""
    assert isinstance(bursts.detector(), LocalBursts)
    now = timezone.now()
    link_id = uuid.uuid4()

    def visit(seconds, ip="203.0.113.7"):
        return Visitor(
            user_agent=CHROME, ip=ip, link_id=link_id, timestamp=now + timedelta(seconds=seconds)
        )

    with django_assert_num_queries(0):
        answers = [judge(visit(s)).is_bot for s in (-40, 0, 5, 10, 15, 20)]
    # The click 40 s earlier is outside the window of the others: the 6th in 30 s is at +25.
    assert answers == [False] * 6
    assert judge(visit(25)).reasons == ("burst",)
    assert not judge(visit(25, ip="203.0.113.8")).is_bot
    assert not judge(visit(70)).is_bot  # the window has moved on


def test_the_in_process_window_forgets_the_least_recent_clients_first():
    detector = LocalBursts(count=2, window=30, max_keys=3)
    now = timezone.now()
    visitors = [
        Visitor(user_agent=CHROME, ip=f"203.0.113.{i}", link_id="l", timestamp=now)
        for i in range(5)
    ]
    for visitor in visitors:
        assert not detector.is_burst(visitor)
    assert len(detector._windows) == 3
    assert detector.is_burst(visitors[4])  # still remembered: its second click is a burst
    assert not detector.is_burst(visitors[0])  # forgotten: counted from one again


def test_stored_clicks_are_never_counted_as_a_burst_again(settings, redis_available):
    settings.REDIS_URL = REDIS_URL
    link_id = uuid.uuid4()
    visitors = clicks(10, timezone.now(), link_id=link_id)
    assert not any(judge(v, count_bursts=False).is_bot for v in visitors)
    assert not list(redis.Redis.from_url(REDIS_URL).scan_iter(f"macondo:burst:{link_id}:*"))


@pytest.mark.parametrize(
    ("user_agent", "ip", "link_id"),
    [
        ("Mozilla/5.0 \x00 (X11)", "203.0.113.7", uuid.UUID(int=1)),
        (CHROME, "not-an-ip", uuid.UUID(int=1)),
        (CHROME, "203.0.113.7", "not-a-uuid"),
    ],
    ids=["NUL byte", "bad IP", "odd link id"],
)
def test_odd_values_give_no_burst_evidence_and_no_error(settings, db, user_agent, ip, link_id):
    settings.REDIS_URL = ""
    visitor = Visitor(user_agent=user_agent, ip=ip, link_id=link_id)
    assert "burst" not in judge(visitor).reasons
    assert Click.objects.count() == 0  # the connection is still usable


def test_deploy_checks_warn_when_bursts_cannot_be_shared_between_workers(settings):
    from django.core.checks import run_checks

    settings.REDIS_URL = ""
    assert "analytics.W001" in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.REDIS_URL = REDIS_URL
    assert "analytics.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]
