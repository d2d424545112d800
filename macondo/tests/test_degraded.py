"""The rule for a dependency that is down: serve degraded, retry later, log once
(macondo/degraded.py)."""

import logging

import pytest

from macondo.degraded import Dependency

logger = logging.getLogger("macondo.tests.dependency")


@pytest.fixture
def redis(caplog):
    caplog.set_level(logging.INFO, logger=logger.name)
    return Dependency(logger, down="Redis down: %s", back="Redis back", retry_seconds=5)


def lines(caplog):
    return [(record.levelname, record.getMessage()) for record in caplog.records]


def test_an_outage_is_two_log_lines_however_many_attempts_fail(redis, caplog):
    for now in (100.0, 105.0, 110.0, 115.0):
        assert redis.may_try(now)
        redis.failed(ConnectionError("refused"), now)
    assert redis.down
    redis.answered()
    redis.answered()
    assert not redis.down
    assert lines(caplog) == [("WARNING", "Redis down: refused"), ("WARNING", "Redis back")]


def test_after_a_failure_callers_leave_it_alone_until_the_pause_is_over(redis):
    assert redis.may_try(100.0)
    redis.failed(TimeoutError("slow"), 100.0)
    assert not redis.may_try(100.0) and not redis.may_try(104.9)
    assert redis.may_try(105.0)
    redis.failed(TimeoutError("slow"), 105.0)  # still down: the pause starts again
    assert not redis.may_try(109.9) and redis.may_try(110.0)


def test_an_answer_ends_the_pause_and_a_new_outage_is_logged_again(redis, caplog):
    redis.failed(OSError("gone"), 100.0)
    redis.answered()
    assert redis.may_try(100.0)
    redis.failed(OSError("gone again"), 200.0)
    assert [message for _level, message in lines(caplog)] == [
        "Redis down: gone",
        "Redis back",
        "Redis down: gone again",
    ]


def test_without_a_pause_every_attempt_may_try(caplog):
    caplog.set_level(logging.INFO, logger=logger.name)
    database = Dependency(logger, down="down: %s", back="back", back_level=logging.INFO)
    database.failed(RuntimeError("x"), 100.0)
    assert database.may_try(100.0)
    database.answered()
    assert lines(caplog) == [("WARNING", "down: x"), ("INFO", "back")]


def test_answers_while_up_and_a_reset_log_nothing(redis, caplog):
    redis.answered()
    redis.failed(OSError("gone"), 100.0)
    redis.reset()
    assert not redis.down and redis.may_try(100.0)
    redis.answered()
    assert lines(caplog) == [("WARNING", "Redis down: gone")]
