"""Private APIs of gunicorn and of Python's logging the access logger relies on: the test
fails on an upgrade that changes one (docs/upgrading.md lists them all)."""

import datetime
import logging
import runpy
from pathlib import Path

from gunicorn.config import Config

from macondo.access_log import AccessLogger
from macondo.tests.test_access_log import Request, Response, environ

ROOT = Path(__file__).resolve().parents[2]
OUR_FORMAT = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"]


def test_the_shipped_format_is_written_straight_to_the_file_not_through_logging(
    tmp_path, monkeypatch
):
    """The lean path needs gunicorn's `access_log`, `access_fmt`, `atoms_wrapper_class` and
    `cfg.access_log_format`, and logging's `Formatter._fmt`; if one changed, every line
    would silently take gunicorn's own (costlier) path, with the same text."""
    # One gunicorn.access logger per process, as under gunicorn: not the handlers other
    # tests' loggers left on it.
    monkeypatch.setattr(logging.getLogger("gunicorn.access"), "handlers", [])
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", OUR_FORMAT)
    logger = AccessLogger(cfg)
    sent_to_logging = []
    monkeypatch.setattr(logger.access_log, "info", lambda *args: sent_to_logging.append(args))
    logger.access(Response(), Request(), environ(), datetime.timedelta(microseconds=10))
    assert sent_to_logging == []
    assert (tmp_path / "access.log").read_text().startswith('203.0.113.9 "GET /summer')
