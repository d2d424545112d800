import logging
import multiprocessing
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.utils import timezone

from analytics.clicks.geo import NOWHERE
from analytics.clicks.visit import Visit
from analytics.models import Click
from analytics.tests.test_bots import CHROME
from analytics.verdicts import bursts
from analytics.verdicts.bots import judge, judge_batch
from analytics.verdicts.bursts import LocalBursts, RedisBursts, Rule
from conftest import TEST_REDIS_URL

NOWHERE_URL = "redis://127.0.0.1:1/5"  # nothing listens on port 1
RULES = (Rule("burst", 6, 30_000_000), Rule("burst:ip", 60, 60_000_000))


@pytest.fixture
def prefix(local_redis):
    """The burst keys' prefix of this test (under its own REDIS_KEY_PREFIX, cleaned after)."""
    return f"{local_redis.prefix}burst:"


@pytest.fixture(params=["redis", "in-process"])
def make_detector(request):
    """Detectors as gunicorn workers hold them: several sharing one Redis, or (without
    Redis) one per process."""
    if request.param == "in-process":
        shared = LocalBursts(RULES)
        return lambda: shared
    prefix = request.getfixturevalue("prefix")
    return lambda: RedisBursts(TEST_REDIS_URL, RULES, prefix=prefix)


def clicks(count, start, step=1.0, link_id="link-1", ip="203.0.113.7", user_agent=CHROME):
    return [
        Visit(
            id=str(uuid.uuid4()),
            link_id=link_id,
            ip=ip,
            user_agent=user_agent,
            timestamp=start + timedelta(seconds=n * step),
        )
        for n in range(count)
    ]


def expected(visits, rules=RULES):
    """The rule itself, by brute force: for each click, the rules with at least COUNT clicks
    of its key with timestamps in [t - WINDOW, t]."""
    answers = []
    for visit in visits:
        keys = bursts.keys(visit)
        t = bursts.microseconds(visit.timestamp)
        codes = []
        for n, rule in enumerate(rules):
            same = [
                bursts.microseconds(other.timestamp)
                for other in visits
                if bursts.keys(other)[n] == keys[n]
            ]
            if sum(1 for s in same if t - rule.window_us <= s <= t) >= rule.count:
                codes.append(rule.code)
        answers.append(tuple(codes))
    return answers


def one_by_one(detectors, visits):
    """Each click in a load of its own, by turns from each detector."""
    return [detectors[n % len(detectors)].bursts([v])[0] for n, v in enumerate(visits)]


def test_the_sixth_click_within_30_seconds_is_a_burst_across_two_workers(make_detector):
    answers = one_by_one([make_detector(), make_detector()], clicks(8, timezone.now(), step=2))
    assert answers == [()] * 5 + [("burst",)] * 3


def test_clicks_spread_wider_than_the_window_are_no_burst(make_detector):
    assert not any(one_by_one([make_detector()], clicks(12, timezone.now(), step=7)))


def test_other_links_ips_and_user_agents_count_apart(make_detector):
    start = timezone.now()
    visits = (
        clicks(2, start)
        + clicks(2, start, link_id="link-2")
        + clicks(2, start, ip="198.51.100.1")
        + clicks(2, start, user_agent=CHROME + " Edg/131.0.0.0")
    )
    assert not any(one_by_one([make_detector()], visits))


def test_a_late_batch_is_counted_against_the_clicks_it_belongs_with(make_detector):
    # Worker A's load reached the detector first with the later clicks of a flood; worker
    # B's, with the earlier ones, a second later. Both registered before either is judged
    # (the spool registers a file when it reads it and judges it BOT_BURST_LATENESS_SECONDS
    # after its newest click), so arrival order no longer matters.
    visits = clicks(40, timezone.now(), step=0.05)
    worker_a, worker_b = make_detector(), make_detector()
    late, early = visits[20:], visits[:20]
    worker_a.register(late)
    worker_b.register(early)
    answers = {v.id: codes for v, codes in zip(late, worker_a.bursts(late), strict=True)}
    answers.update(zip((v.id for v in early), worker_b.bursts(early), strict=True))
    assert [answers[v.id] for v in visits] == [()] * 5 + [("burst",)] * 35


@pytest.mark.parametrize("seed", range(4))
def test_verdicts_are_the_rules_whatever_the_order_and_batching(make_detector, seed):
    rng = random.Random(seed)
    start = timezone.now()
    # Three clients: a flood, a slow clicker and a rotating-agent script, one address.
    visits = clicks(150, start, step=0.02) + clicks(10, start, step=4, ip="198.51.100.9")
    visits += [
        Visit(
            id=str(uuid.uuid4()),
            link_id="link-1",
            ip="192.0.2.5",
            user_agent=f"{CHROME} r{n // 5}",
            timestamp=start + timedelta(seconds=rng.uniform(0, 90)),
        )
        for n in range(120)
    ]
    shuffled = visits[:]
    rng.shuffle(shuffled)
    cuts = sorted(rng.sample(range(1, len(shuffled)), 12))
    batches = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    detectors = [make_detector() for _ in range(3)]
    for n, batch in enumerate(batches):
        detectors[n % 3].register(batch)
    answers = {}
    for n, batch in reversed(list(enumerate(batches))):
        answers.update(zip((v.id for v in batch), detectors[n % 3].bursts(batch), strict=True))
    assert [answers[v.id] for v in visits] == expected(visits)


def _worker(url, prefix, batches, barrier, results):
    """One gunicorn worker's loader, in a process of its own: registers its loads as it
    reads them, then judges them once every worker has registered what it read."""
    detector = RedisBursts(url, RULES, prefix=prefix)
    for batch in batches:
        detector.register(batch)
    barrier.wait(timeout=60)
    for batch in reversed(batches):
        results.extend(zip([v.id for v in batch], detector.bursts(batch), strict=True))


def test_out_of_order_batches_from_several_processes_get_the_rules_verdicts(prefix):
    rng = random.Random(7)
    start = datetime.now(UTC)
    flood = clicks(300, start, step=0.003)  # ~330 clicks/s from one client
    rotating = [
        Visit(
            id=str(uuid.uuid4()),
            link_id="link-1",
            ip="198.51.100.20",
            user_agent=f"{CHROME} rotated-{n // 5}",
            timestamp=start + timedelta(seconds=n * 0.004),
        )
        for n in range(200)
    ]
    visits = flood + rotating
    # Round robin over three workers, as gunicorn hands out connections, each worker's
    # clicks in loads of about a second, loaded in no particular order.
    shares = [visits[n::3] for n in range(3)]
    work = []
    for share in shares:
        loads = [share[n : n + 40] for n in range(0, len(share), 40)]
        rng.shuffle(loads)
        work.append(loads)
    # Forked: each child is a process of its own with its own Redis connections.
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(3)
    with context.Manager() as manager:
        results = manager.list()
        processes = [
            context.Process(target=_worker, args=(TEST_REDIS_URL, prefix, loads, barrier, results))
            for loads in work
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(90)
        assert [process.exitcode for process in processes] == [0, 0, 0]
        answers = dict(results)
    verdicts = [answers[v.id] for v in visits]
    assert verdicts == expected(visits)
    assert sum(1 for codes in verdicts[:300] if not codes) == 5  # the rule lets 5 through
    assert sum(1 for codes in verdicts[300:] if not codes) == 59  # the address rule: 59


def test_user_agents_changed_every_5_clicks_are_caught_by_the_address_rule(make_detector):
    start = timezone.now()
    visits = [
        Visit(
            id=str(uuid.uuid4()),
            link_id="link-1",
            ip="203.0.113.7",
            user_agent=f"{CHROME} build/{n // 5}",
            timestamp=start + timedelta(seconds=n * 0.1),
        )
        for n in range(200)
    ]
    detector = make_detector()
    detector.register(visits)
    answers = detector.bursts(visits)
    assert answers == [()] * 59 + [("burst:ip",)] * 141


@pytest.mark.parametrize("people", [30, 59])
def test_a_nat_crowd_of_distinct_agents_at_a_human_rate_stays_human(make_detector, people):
    # People behind one carrier NAT address, each with their own phone, tapping one campaign
    # link within the same minute.
    start = timezone.now()
    rng = random.Random(people)
    visits = [
        Visit(
            id=str(uuid.uuid4()),
            link_id="link-1",
            ip="100.64.0.1",
            user_agent=f"Mozilla/5.0 (Linux; Android 14; SM-A{n:03d}) Chrome/131.0 Mobile",
            timestamp=start + timedelta(seconds=rng.uniform(0, 60)),
        )
        for n in range(people)
    ]
    assert not any(make_detector().bursts(visits))


def test_a_flood_keeps_a_few_entries_per_window_and_every_click_past_the_fifth_a_bot(prefix):
    detector = RedisBursts(TEST_REDIS_URL, RULES, prefix=prefix)
    visits = clicks(3000, timezone.now(), step=0.01)  # 30 s at 100 clicks/s
    answers = []
    for n in range(0, 3000, 250):
        answers += detector.bursts(visits[n : n + 250])
    assert [("burst" in codes) for codes in answers] == [False] * 5 + [True] * 2995
    client = redis.Redis.from_url(TEST_REDIS_URL)
    agent_key, address_key = (prefix + key for key in bursts.keys(visits[0]))
    # At most the 6 earliest and 6 latest of each 30 s bucket (the flood spans 2 buckets).
    assert client.zcard(agent_key) <= 2 * 2 * 6
    assert client.zcard(address_key) <= 2 * 2 * 60
    assert 0 < client.ttl(agent_key) <= 60 + 3 + 60


def test_the_in_process_sets_stay_bounded_too():
    detector = LocalBursts(RULES)
    visits = clicks(3000, timezone.now(), step=0.01)
    answers = detector.bursts(visits)
    assert sum(1 for codes in answers if "burst" not in codes) == 5
    agent_key, address_key = bursts.keys(visits[0])
    assert len(detector._sets[agent_key]) <= 24
    assert len(detector._sets[address_key]) <= 240


def test_redis_down_means_no_burst_evidence_logged_once(caplog):
    detector = RedisBursts(NOWHERE_URL, RULES, prefix="macondo:burst:", timeout=0.1)
    with caplog.at_level(logging.WARNING, logger="analytics.verdicts.bursts"):
        answers = one_by_one([detector], clicks(8, timezone.now()))
    assert answers == [()] * 8
    assert len(caplog.records) == 1
    assert "Redis unavailable" in caplog.records[0].getMessage()


def test_a_batch_keeps_its_other_verdicts_when_redis_is_down(settings):
    settings.REDIS_URL = NOWHERE_URL
    settings.BOT_REDIS_TIMEOUT_SECONDS = 0.1
    batch = clicks(8, timezone.now())
    batch[0] = Visit(**{**_fields(batch[0]), "user_agent": "curl/8.4.0"})
    verdicts = judge_batch(batch, [NOWHERE] * 8)
    assert [v.is_bot for v in verdicts] == [True] + [False] * 7
    assert verdicts[0].bot_reason == "ua:http-client"
    assert bursts.status() == "unavailable"


def _fields(visit):
    return {name: getattr(visit, name) for name in Visit.__slots__}


def test_a_burst_is_stored_with_the_other_codes_of_the_click(settings, local_redis):
    settings.REDIS_URL = local_redis.url
    link_id = str(uuid.uuid4())
    batch = clicks(6, timezone.now(), link_id=link_id)
    batch = [Visit(**{**_fields(v), "headers": {"accept-language": "en"}}) for v in batch]
    verdicts = judge_batch(batch, [NOWHERE] * 6)
    assert [v.is_bot for v in verdicts] == [False] * 5 + [True]
    assert verdicts[5].bot_reason == "burst,headers:no-client-hints"
    assert verdicts[5].score == 100
    assert bursts.status() == "shared"
    keys = local_redis.keys()
    assert keys and all(key.startswith(f"{local_redis.prefix}burst:") for key in keys)


def test_deployments_with_other_key_prefixes_count_bursts_apart_on_one_redis(settings, local_redis):
    """Two deployments, or two test runs, on one Redis database: the same clicks under
    another REDIS_KEY_PREFIX are not counted together."""
    settings.REDIS_URL = local_redis.url
    visits = clicks(8, timezone.now(), link_id=str(uuid.uuid4()))
    mine, theirs = local_redis.prefix, f"{local_redis.prefix}other:"

    def is_burst(prefix, visit):
        settings.REDIS_KEY_PREFIX = prefix
        return judge_batch([visit], [NOWHERE])[0].is_bot

    assert [is_burst(mine, v) for v in visits[:5]] == [False] * 5
    assert [is_burst(theirs, v) for v in visits[5:7]] == [False, False]
    assert is_burst(mine, visits[7]) is True
    keys = local_redis.keys()
    assert any(key.startswith(f"{theirs}burst:") for key in keys)
    assert any(key.startswith(f"{mine}burst:") and not key.startswith(theirs) for key in keys)


def test_without_redis_bursts_are_counted_in_the_process_without_a_query(
    settings, db, django_assert_num_queries
):
    settings.REDIS_URL = ""
    assert isinstance(bursts.detector(), LocalBursts)
    assert bursts.status() == "per process"
    now = timezone.now()
    link_id = str(uuid.uuid4())

    def visit(seconds, ip="203.0.113.7"):
        return Visit(
            id=str(uuid.uuid4()),
            user_agent=CHROME,
            ip=ip,
            link_id=link_id,
            timestamp=now + timedelta(seconds=seconds),
        )

    def is_bot(*visits):
        return [v.is_bot for v in judge_batch(list(visits), [NOWHERE] * len(visits))]

    with django_assert_num_queries(0):
        answers = is_bot(*(visit(s) for s in (-40, 0, 5, 10, 15, 20)))
    # The click 40 s earlier is outside the window of the others: the 6th in 30 s is at +25.
    assert answers == [False] * 6
    assert is_bot(visit(25)) == [True]
    assert is_bot(visit(25, ip="203.0.113.8")) == [False]
    assert is_bot(visit(70)) == [False]  # the window has moved on


def test_the_in_process_sets_forget_the_least_recent_clients_first():
    detector = LocalBursts((Rule("burst", 2, 30_000_000), Rule("burst:ip", 2, 30_000_000)), 6)
    now = timezone.now()
    visits = [
        Visit(id=f"c{i}", user_agent=CHROME, ip=f"203.0.113.{i}", link_id="l", timestamp=now)
        for i in range(5)
    ]
    assert one_by_one([detector], visits) == [()] * 5
    assert len(detector._sets) == 6  # two keys per client: the three latest clients
    again = [Visit(**{**_fields(v), "id": v.id + "-again"}) for v in (visits[4], visits[0])]
    # Still remembered: its second click is a burst. Forgotten: counted from one again.
    assert one_by_one([detector], again) == [("burst", "burst:ip"), ()]


def test_judging_a_visit_counts_no_burst_and_touches_no_redis(settings, local_redis):
    settings.REDIS_URL = local_redis.url
    visits = clicks(10, timezone.now(), link_id=str(uuid.uuid4()))
    assert not any(judge(v).is_bot for v in visits)
    assert local_redis.keys() == []


@pytest.mark.parametrize(
    ("user_agent", "ip", "link_id"),
    [
        ("Mozilla/5.0 \x00 (X11)", "203.0.113.7", str(uuid.UUID(int=1))),
        ("Mozilla/5.0 \udcff (X11)", "203.0.113.7", str(uuid.UUID(int=1))),
        (CHROME, "not-an-ip", str(uuid.UUID(int=1))),
        (CHROME, "203.0.113.7", "not-a-uuid"),
        (CHROME, None, str(uuid.UUID(int=1))),
    ],
    ids=["NUL byte", "lone surrogate", "bad IP", "odd link id", "no IP"],
)
def test_odd_values_give_no_burst_evidence_and_no_error(settings, db, user_agent, ip, link_id):
    settings.REDIS_URL = ""
    visit = Visit(
        id=str(uuid.uuid4()),
        user_agent=user_agent,
        ip=ip,
        link_id=link_id,
        timestamp=timezone.now(),
    )
    assert bursts.detector().bursts([visit]) == [()]
    assert Click.objects.count() == 0  # the connection is still usable


def test_deploy_checks_warn_when_bursts_cannot_be_shared_between_workers(settings):
    from django.core.checks import run_checks

    settings.REDIS_URL = ""
    messages = [m for m in run_checks(include_deployment_checks=True) if m.id == "analytics.W001"]
    assert "counted per process" in messages[0].msg
    settings.REDIS_URL = TEST_REDIS_URL
    assert "analytics.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]
