import logging
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import bursts
from analytics.bots import judge
from analytics.bursts import LocalBursts, RedisBursts, click_key, mark_bursts
from analytics.models import Click
from analytics.tests.test_bots import CHROME
from analytics.visitor import Visitor

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


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


def detector_on(server):
    return RedisBursts(server.url, count=6, window=30, prefix=server.prefix)


def test_the_sixth_click_within_30_seconds_is_a_burst_across_two_workers(local_redis):
    worker_a, worker_b = detector_on(local_redis), detector_on(local_redis)
    start = timezone.now()
    answers = written_one_by_one([worker_a, worker_b], clicks(8, start, step=2))
    assert answers == [False] * 5 + [True] * 3


def test_clicks_spread_wider_than_the_window_are_no_burst(local_redis):
    detector = detector_on(local_redis)
    assert not any(written_one_by_one([detector], clicks(12, timezone.now(), step=7)))


def test_other_links_ips_and_user_agents_count_apart(local_redis):
    detector = detector_on(local_redis)
    start = timezone.now()
    visitors = (
        clicks(2, start)
        + clicks(2, start, link_id="link-2")
        + clicks(2, start, ip="198.51.100.1")
        + clicks(2, start, user_agent=CHROME + " Edg/131.0.0.0")
    )
    assert not any(written_one_by_one([detector], visitors))


def test_memory_per_client_stays_bounded_and_expires(local_redis):
    detector = detector_on(local_redis)
    visitors = clicks(200, timezone.now(), step=0.01)
    written_one_by_one([detector], visitors)
    key = local_redis.prefix + click_key(visitors[0].link_id, visitors[0].ip, CHROME)
    assert local_redis.keys() == [key]
    assert local_redis.client.zcard(key) == 60  # 10 x the count, however many clicks came
    assert 0 < local_redis.client.ttl(key) <= 31


def test_redis_down_means_no_burst_evidence_logged_once(caplog):
    detector = RedisBursts(NOWHERE, count=2, window=30, prefix="macondo:burst:")
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


def test_writing_a_batch_marks_the_sixth_click_a_burst_with_redis(settings, local_redis):
    settings.REDIS_URL = local_redis.url
    link_id = uuid.uuid4()
    batch = rows(clicks(6, timezone.now(), link_id=link_id))
    batch[5].update(is_bot=False, bot_reason="headers:no-client-hints", bot_score=30)
    mark_bursts(batch)
    assert [row["is_bot"] for row in batch] == [False] * 5 + [True]
    assert batch[5]["bot_reason"] == "burst,headers:no-client-hints"
    assert batch[5]["bot_score"] == 100
    key = click_key(link_id, batch[0]["ip_address"], CHROME)
    assert local_redis.keys() == [f"{local_redis.prefix}burst:{key}"]


def test_deployments_with_other_key_prefixes_count_bursts_apart_on_one_redis(settings, local_redis):
    """Two deployments, or two test runs, on one Redis database: the same clicks under
    another REDIS_KEY_PREFIX are not counted together."""
    settings.REDIS_URL = local_redis.url
    visitors = clicks(8, timezone.now(), link_id=uuid.uuid4())
    mine, theirs = local_redis.prefix, f"{local_redis.prefix}other:"

    def is_burst(prefix, visitor):
        settings.REDIS_KEY_PREFIX = prefix
        batch = rows([visitor])
        mark_bursts(batch)
        return batch[0]["is_bot"]

    assert [is_burst(mine, v) for v in visitors[:5]] == [False] * 5
    assert [is_burst(theirs, v) for v in visitors[5:7]] == [False, False]
    assert is_burst(mine, visitors[7]) is True
    key = click_key(visitors[0].link_id, visitors[0].ip, CHROME)
    assert local_redis.keys() == sorted([f"{mine}burst:{key}", f"{theirs}burst:{key}"])


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


def test_judging_a_visit_counts_no_burst_and_touches_no_redis(settings, local_redis):
    settings.REDIS_URL = local_redis.url
    visitors = clicks(10, timezone.now(), link_id=uuid.uuid4())
    assert not any(judge(v).is_bot for v in visitors)
    assert local_redis.keys() == []


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
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert "analytics.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]
