"""The per-process flusher thread, the worker's exit, and what /health reports of click
recording in this process."""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection

from analytics.clicks.spool import loading, writing
from analytics.clicks.spool.files import created_at
from analytics.verdicts import bursts
from macondo.degraded import Dependency

logger = logging.getLogger(__name__)


class Flusher(threading.Thread):
    def __init__(self, interval):
        super().__init__(name="click-flusher", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()
        # Retried every `interval`, the flusher's own pace.
        self.postgresql = Dependency(
            logger,
            down="clicks stay spooled, PostgreSQL unavailable: %s",
            back="PostgreSQL back, spooled clicks loaded",
        )

    def run(self):
        while not self.stopping.wait(self.interval):
            self.flush_once()
        connection.close()

    def flush_once(self):
        try:
            writing.rotate()
            result = loading.drain()
        except DatabaseError as error:
            self.postgresql.failed(error)
            if not connection.in_atomic_block:  # (only a test calls this inside one)
                connection.close()  # reconnect on the next round
            return
        except Exception:
            logger.exception("click flush failed; clicks stay spooled")
            return
        self.postgresql.answered()
        if result.files:
            logger.debug("flushed %s clicks from %s files", result.inserted, result.files)
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


_flusher = None

_flusher_lock = threading.Lock()


def start_flusher():
    global _flusher
    flusher = _flusher
    if flusher is not None and flusher.is_alive():
        return flusher
    with _flusher_lock:
        if _flusher is None or not _flusher.is_alive():
            _flusher = Flusher(settings.CLICK_FLUSH_INTERVAL)
            _flusher.start()
    return _flusher


def shutdown(timeout=10):
    """Stop the flusher and load what this process spooled (gunicorn's worker_exit).

    If PostgreSQL is down the files stay; the next worker to start loads them.
    """
    global _flusher
    flusher = _flusher
    if flusher is not None:
        flusher.stopping.set()
        flusher.join(timeout)
        _flusher = None
    try:
        result = loading.drain_at_exit(timeout)
        logger.info("worker exit: %s spooled clicks loaded", result.inserted)
    except DatabaseError as error:
        logger.warning("worker exit: clicks stay spooled for the next worker: %s", error)
    # Whatever came after the flush stays in the file for the next loader.
    writing.close()
    loading.release_held()


def _writable(directory):
    try:
        os.makedirs(directory, exist_ok=True)
        space = os.statvfs(directory)
    except OSError:
        return False
    return os.access(directory, os.W_OK) and space.f_bavail > 0


def status():
    """What /health reports of click recording in this process, and whether it is well."""
    directory = str(settings.CLICK_SPOOL_DIR)
    scan = writing.scan_folder(directory)
    backlog, files, oldest = scan.bytes, scan.files, scan.oldest
    writer = writing.own_writer()
    if writer is not None and writer.path and writer.size:  # this process's open file
        backlog, files = backlog + writer.size, files + 1
        created = created_at(directory, os.path.basename(writer.path))
        oldest = created if oldest is None else min(oldest, created or oldest)
    now = time.time()
    last_load = loading.last_load()
    writable = _writable(directory)
    oldest = None if oldest is None else round(max(0.0, now - oldest), 1)
    losing = not writable or writing.losing()
    stale = oldest is not None and oldest > settings.CLICK_BACKLOG_MAX_AGE_SECONDS
    return {
        "ok": not losing and not stale,
        "spool_writable": writable,
        "backlog": {"bytes": backlog, "files": files, "oldest_click_seconds": oldest},
        "rejected_files": scan.rejected,
        "seconds_since_last_load": None if last_load is None else round(now - last_load, 1),
        "clicks_dropped": writing.dropped(),
        "bursts": bursts.status(),
    }


def _forget_after_fork():
    global _flusher
    _flusher = None


os.register_at_fork(after_in_child=_forget_after_fork)


def forget():
    """Close this process's files and forget its counts (tests: each has its own folder)."""
    writing.forget()
    loading.forget()
