"""macondo.access_log.AccessLogger writes exactly the lines gunicorn's own logger writes."""

import datetime
import logging
import os
import runpy
from pathlib import Path

import pytest
import time_machine
from gunicorn.config import Config
from gunicorn.glogging import Logger

from macondo.access_log import AccessLogger

ROOT = Path(__file__).resolve().parents[2]
OUR_FORMAT = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"]
GUNICORN_DEFAULT = Config().access_log_format


class Response:
    def __init__(self, status="302 Found", sent=0):
        self.status = status
        self.sent = sent
        self.headers = [("Location", "https://shop.example/a?b=1"), ("X-Robots-Tag", "noindex")]


class Request:
    headers = [("HOST", "go.example"), ("USER-AGENT", 'Mozilla/5.0 "quoted" ü')]


def environ(**extra):
    return {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/summer?utm_source=x",
        "PATH_INFO": "/summer",
        "QUERY_STRING": "utm_source=x",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_USER_AGENT": 'Mozilla/5.0 "quoted" ü',
        "HTTP_REFERER": "https://news.example/",
        "HTTP_AUTHORIZATION": "Basic YWxpY2U6c2VjcmV0",  # alice:secret
        **extra,
    }


def lines_of(logger_class, log_format, path, **config):
    cfg = Config()
    cfg.set("accesslog", str(path))
    cfg.set("access_log_format", log_format)
    for name, value in config.items():
        cfg.set(name, value)
    logger = logger_class(cfg)
    took = datetime.timedelta(seconds=1, microseconds=2345)
    logger.access(Response(), Request(), environ(), took)
    logger.access(Response("404 Not Found", None), Request(), environ(HTTP_REFERER=""), took)
    logger.access(Response(200, 512), Request(), {**environ(), "REMOTE_ADDR": "::1"}, took)
    for handler in logger.access_log.handlers:
        handler.flush()
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    "log_format",
    [
        OUR_FORMAT,
        GUNICORN_DEFAULT,
        '%(r)s %(s)s %(b)s %(B)s %(T)s %(D)s %(L)s %(p)s %(q)s %(u)s %(l)s "%(f)s"',
        "%(h)s %({user-agent}i)s %({location}o)s %({path_info}e)s",  # header atoms: gunicorn's path
        "%(h)s %(nonsense)s",
    ],
)
def test_the_lines_are_gunicorns(tmp_path, log_format):
    # One instant for both loggers: lines written across a second boundary differ in %(t)s.
    with time_machine.travel(datetime.datetime(2026, 5, 4, 12, 0, tzinfo=datetime.UTC), tick=False):
        ours = lines_of(AccessLogger, log_format, tmp_path / "ours.log")
        theirs = lines_of(Logger, log_format, tmp_path / "theirs.log")
    assert len(ours) == 3
    assert ours == theirs


def test_a_logging_setup_of_ones_own_still_sees_gunicorns_record(tmp_path):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", OUR_FORMAT)
    logger = AccessLogger(cfg)
    logger.access_log.addHandler(Keep())
    try:
        logger.access(Response(), Request(), environ(), datetime.timedelta(microseconds=10))
    finally:
        logger.access_log.handlers = [
            h for h in logger.access_log.handlers if not isinstance(h, Keep)
        ]
    assert len(records) == 1
    assert records[0].msg == OUR_FORMAT  # the format and atoms, as gunicorn's logger sends them
    assert (
        records[0].getMessage().startswith('203.0.113.9 "GET /summer HTTP/1.1" 302 0 0ms "Mozilla')
    )
    assert (tmp_path / "access.log").read_text().startswith('203.0.113.9 "GET /summer')


def test_no_access_log_writes_nothing(tmp_path):
    cfg = Config()
    logger = AccessLogger(cfg)
    assert not logger.access_log_enabled
    logger.access(Response(), Request(), environ(), datetime.timedelta(0))
    assert os.listdir(tmp_path) == []


def test_gunicorn_conf_uses_it():
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["logger_class"] == (
        "macondo.access_log.AccessLogger"
    )
