import logging
import uuid
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from analytics import bursts
from analytics.bots import judge
from analytics.bursts import LocalBursts, RedisBursts, click_key, mark_bursts
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


def written_one_by_one(detectors, visitors):
    """Burst answers with each click in a flush of its own, by turns from each detector
    (one per gunicorn worker)."""
    return [
        detectors[n % len(detectors)].bursts(
            [(click_key(v.link_id, v.ip, v.user_agent), v.timestamp.timestamp(), f"click-{n}")]
        )[0]
        for n, v in enumerate(visitors)
    ]


def rows(visitors, **verdict):
    """Click rows as the redirect spools them (verdict without bursts)."""
    return [
        {
            "id": str(uuid.uuid4()),
            "link_id": str(v.link_id),
            "timestamp": v.timestamp.isoformat(),
            "ip_address": v.ip,
            "user_agent": v.user_agent,
            "is_bot": False,
            "bot_reason": None,
            "bot_score": None,
            **verdict,
        }
        for v in visitors
    ]


def test_the_sixth_click_within_30_seconds_is_a_burst_across_two_workers(redis_available, prefix):
    worker_a = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    worker_b = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    start = timezone.now()
    answers = written_one_by_one([worker_a, worker_b], clicks(8, start, step=2))
    assert answers == [False] * 5 + [True] * 3


def test_clicks_spread_wider_than_the_window_are_no_burst(redis_available, prefix):
    detector = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    assert not any(written_one_by_one([detector], clicks(12, timezone.now(), step=7)))


def test_other_links_ips_and_user_agents_count_apart(redis_available, prefix):
    detector = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    start = timezone.now()
    visitors = (
        clicks(2, start)
        + clicks(2, start, link_id="link-2")
        + clicks(2, start, ip="198.51.100.1")
        + clicks(2, start, user_agent=CHROME + " Edg/131.0.0.0")
    )
    assert not any(written_one_by_one([detector], visitors))


def test_memory_per_client_stays_bounded_and_expires(redis_available, prefix):
    detector = RedisBursts(REDIS_URL, count=6, window=30, prefix=prefix)
    visitors = clicks(200, timezone.now(), step=0.01)
    written_one_by_one([detector], visitors)
    client = redis.Redis.from_url(REDIS_URL)
    key = prefix + click_key(visitors[0].link_id, visitors[0].ip, visitors[0].user_agent)
    assert client.zcard(key) == 60  # 10 x the count, however many clicks came
    assert 0 < client.ttl(key) <= 31


def test_redis_down_means_no_burst_evidence_logged_once(caplog):
    detector = RedisBursts(NOWHERE, count=2, window=30)
    with caplog.at_level(logging.WARNING, logger="analytics.bursts"):
        answers = written_one_by_one([detector], clicks(4, timezone.now()))
    assert answers == [False] * 4
    assert len(caplog.records) == 1
    assert "Redis unavailable" in caplog.records[0].getMessage()


def test_a_batch_keeps_its_verdicts_when_redis_is_down(settings):
    settings.REDIS_URL = NOWHERE
    batch = rows(clicks(8, timezone.now()))
    batch[0].update(is_bot=True, bot_reason="ua:http-client", bot_score=100)
    mark_bursts(batch)
    assert [row["is_bot"] for row in batch] == [True] + [False] * 7
    assert batch[0]["bot_reason"] == "ua:http-client"


def test_writing_a_batch_marks_the_sixth_click_a_burst_with_redis(settings, redis_available):
    settings.REDIS_URL = REDIS_URL
    link_id = uuid.uuid4()
    batch = rows(clicks(6, timezone.now(), link_id=link_id))
    batch[5].update(is_bot=False, bot_reason="headers:no-client-hints", bot_score=30)
    mark_bursts(batch)
    assert [row["is_bot"] for row in batch] == [False] * 5 + [True]
    assert batch[5]["bot_reason"] == "burst,headers:no-client-hints"
    assert batch[5]["bot_score"] == 100
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

    def is_bot(*visitors):
        batch = rows(visitors)
        mark_bursts(batch)
        return [row["is_bot"] for row in batch]

    with django_assert_num_queries(0):
        answers = is_bot(*(visit(s) for s in (-40, 0, 5, 10, 15, 20)))
    # The click 40 s earlier is outside the window of the others: the 6th in 30 s is at +25.
    assert answers == [False] * 6
    assert is_bot(visit(25)) == [True]
    assert is_bot(visit(25, ip="203.0.113.8")) == [False]
    assert is_bot(visit(70)) == [False]  # the window has moved on


def test_the_in_process_window_forgets_the_least_recent_clients_first():
    detector = LocalBursts(count=2, window=30, max_keys=3)
    now = timezone.now()
    visitors = [
        Visitor(user_agent=CHROME, ip=f"203.0.113.{i}", link_id="l", timestamp=now)
        for i in range(5)
    ]
    assert written_one_by_one([detector], visitors) == [False] * 5
    assert len(detector._windows) == 3
    # Still remembered: its second click is a burst. Forgotten: counted from one again.
    assert written_one_by_one([detector], [visitors[4], visitors[0]]) == [True, False]


def test_judging_a_visit_counts_no_burst_and_touches_no_redis(settings, redis_available):
    settings.REDIS_URL = REDIS_URL
    link_id = uuid.uuid4()
    visitors = clicks(10, timezone.now(), link_id=link_id)
    assert not any(judge(v).is_bot for v in visitors)
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
    batch = rows([Visitor(user_agent=user_agent, ip=ip, link_id=link_id, timestamp=timezone.now())])
    mark_bursts(batch)
    assert batch[0]["is_bot"] is False
    assert Click.objects.count() == 0  # the connection is still usable


def test_deploy_checks_warn_when_bursts_cannot_be_shared_between_workers(settings):
    from django.core.checks import run_checks

    settings.REDIS_URL = ""
    assert "analytics.W001" in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.REDIS_URL = REDIS_URL
    assert "analytics.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]
