"""This process's spool file (one `os.write` per click), the CLICK_SPOOL_MAX_BYTES cap as of
the last scan of the folder, and the clicks that could not be spooled."""

import fcntl
import logging
import os
import secrets
import threading
import time
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings

from analytics.clicks.spool.files import created_at, read_all

logger = logging.getLogger(__name__)

_SCAN_MAX_AGE_SECONDS = 1.0


class SpoolFull(Exception):
    """CLICK_SPOOL_MAX_BYTES reached: the click is dropped, the spooled ones are kept."""


class _Writer:
    """This process's open spool file. One lock guards writes against hand-over."""

    def __init__(self, directory):
        self.directory = directory
        self.pid = os.getpid()
        self.token = secrets.token_hex(3)
        self.lock = threading.Lock()
        self.seq = 0
        self.fd = self.path = None
        self.size = 0  # bytes in the open file
        self.opened = 0.0
        self.torn = False  # the file may end with part of a line that could not be cut off
        self.stuck = False  # the last hand-over failed

    def _open(self):
        os.makedirs(self.directory, exist_ok=True)
        self.seq += 1
        name = f"{time.time_ns() // 1000:016d}-{self.pid}-{self.token}-{self.seq}.jsonl"
        temporary = os.path.join(self.directory, f".new-{name}")
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o640)
        try:
            # Locked before it gets a name loaders look at, so none mistakes it for a dead one.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path = os.path.join(self.directory, f"active-{name}")
            os.rename(temporary, path)
        except OSError:
            os.close(fd)
            with suppress(OSError):
                os.unlink(temporary)
            raise
        self.fd, self.path, self.size, self.torn = fd, path, 0, False
        self.opened = time.monotonic()

    def append(self, data, room):
        """Append one line, or raise (OSError, SpoolFull) with none of it left in the file."""
        with self.lock:
            if self.fd is not None and time.monotonic() - self.opened >= _interval():
                self._hand_over()
            if room is not None and len(data) + self.size > room:
                raise SpoolFull
            if self.fd is None:
                self._open()
            if self.torn:
                data = b"\n" + data
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(self.fd, view) :]
            except OSError:
                if len(view) < len(data):
                    self._cut_back(self.size + len(data) - len(view))
                raise
            self.size += len(data)
            self.torn = False

    def _cut_back(self, written_to):
        try:
            os.ftruncate(self.fd, self.size)
        except OSError:
            self.torn = True
            self.size = written_to

    def hand_over(self):
        """Rename the open file `ready-` for the loaders; its new path (None if none)."""
        with self.lock:
            return self._hand_over()

    def _hand_over(self):
        if self.fd is None:
            return None
        fd, path, size = self.fd, self.path, self.size
        ready = os.path.join(self.directory, "ready-" + path.rsplit("active-", 1)[1])
        try:
            os.rename(path, ready)
        except FileNotFoundError:
            self.fd = self.path = None
            self.size = 0
            try:
                return self._salvage(fd, size)
            finally:
                os.close(fd)
        except OSError as error:
            # A read-only remount, say: keep appending here, try again an interval later.
            if not self.stuck:
                logger.warning("spool file %s not handed over, kept open: %s", path, error)
            self.stuck = True
            self.opened = time.monotonic()
            return None
        self.stuck = False
        self.fd = self.path = None
        self.size = 0
        os.close(fd)  # releases the flock
        return ready

    def _salvage(self, fd, size):
        """The open file was deleted (or its folder): write its clicks to a new file."""
        data = read_all(fd, size)
        lines = data.count(b"\n")
        logger.warning("spool file deleted while open: %d clicks written to a new one", lines)
        try:
            self._open()
            view = memoryview(bytes(data))
            while view:
                view = view[os.write(self.fd, view) :]
            self.size = len(data)
        except OSError as error:
            if self.fd is not None:
                self._cut_back(0)
            note_lost(error, count=lines)
            return None
        return self._hand_over()

    def close(self):
        with self.lock:
            if self.fd is not None:
                os.close(self.fd)
                if self.size == 0:
                    with suppress(OSError):
                        os.unlink(self.path)
                self.fd = self.path = None


def _interval():
    return settings.CLICK_FLUSH_INTERVAL


_writer = None
_writer_lock = threading.Lock()


def current_writer():
    global _writer
    directory = str(settings.CLICK_SPOOL_DIR)
    writer = _writer
    if writer is None or writer.pid != os.getpid() or writer.directory != directory:
        with _writer_lock:
            writer = _writer
            if writer is None or writer.pid != os.getpid() or writer.directory != directory:
                _writer = writer = _Writer(directory)
    return writer


def own_writer():
    """This process's writer, or None (none yet, or the parent's after a fork)."""
    writer = _writer
    return writer if writer is not None and writer.pid == os.getpid() else None


def rotate():
    """Hand this process's open spool file to the loaders (if it has one)."""
    writer = own_writer()
    return writer.hand_over() if writer is not None else None


# --- What this process could not spool -----------------------------------------------------


class _Losses:
    def __init__(self):
        self.lock = threading.Lock()
        self.dropped = 0
        self.since = None  # dropped since the spool last took a click: an outage


_losses = _Losses()


def note_lost(reason, visit=None, count=1):
    with _losses.lock:
        _losses.dropped += count
        first = _losses.since is None
        _losses.since = (_losses.since or 0) + count
    if first:
        line = visit.encode().decode().rstrip("\n") if visit is not None else "-"
        logger.error(
            "click not recorded (%s), replay with: %s. Until the spool takes clicks again, "
            "the next ones are counted (/health) and not logged.",
            reason,
            line,
        )


def taken():
    with _losses.lock:
        lost, _losses.since = _losses.since, None
    if lost:
        logger.warning("the spool takes clicks again; %d were lost meanwhile", lost)


def dropped():
    """Clicks this process could not spool since it started."""
    return _losses.dropped


def losing():
    """Whether clicks were dropped since the spool last took one (an outage of the spool)."""
    return _losses.since is not None


# --- The spool folder as a whole -----------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    at: float  # monotonic
    # All but this process's open file:
    bytes: int = 0  # every spool file, rejected ones included (they count for the cap)
    files: int = 0  # files of clicks not loaded yet
    oldest: float | None = None  # Unix time of the oldest unloaded click
    rejected: int = 0


_scans = {}


def scan_folder(directory, max_age=_SCAN_MAX_AGE_SECONDS):
    scan = _scans.get(directory)
    if scan is not None and time.monotonic() - scan.at < max_age:
        return scan
    writer = own_writer()
    own = writer.path if writer is not None else None
    total = files = rejected = 0
    oldest = None
    try:
        entries = list(os.scandir(directory))
    except OSError:
        entries = []
    for entry in entries:
        try:
            size = entry.stat().st_size
        except OSError:
            continue
        if entry.path == own:
            continue
        total += size
        if entry.name.startswith("rejected-"):
            rejected += 1
        elif size and entry.name.startswith(("active-", "ready-", ".new-")):
            files += 1
            created = created_at(directory, entry.name)
            if created is not None and (oldest is None or created < oldest):
                oldest = created
    scan = Scan(time.monotonic(), total, files, oldest, rejected)
    _scans[directory] = scan
    return scan


def room(writer):
    """Bytes this process's open file may grow to under CLICK_SPOOL_MAX_BYTES."""
    cap = settings.CLICK_SPOOL_MAX_BYTES
    if not cap:
        return None
    # Without a flusher thread nobody else refreshes the scan: then at most every 10 s.
    scan = _scans.get(writer.directory)
    if scan is None or time.monotonic() - scan.at > 10:
        scan = scan_folder(writer.directory)
    return cap - scan.bytes


def _forget_after_fork():
    # A forked child shares the parent's open files (and their flocks); it needs its own.
    global _writer, _losses
    _writer = None
    _losses = _Losses()


os.register_at_fork(after_in_child=_forget_after_fork)


def close():
    """Close this process's open file; what it holds stays for the next loader."""
    writer = own_writer()
    if writer is not None:
        writer.close()


def forget():
    """Close this process's file and forget its counts and scans (tests)."""
    global _writer, _losses
    close()
    _writer = None
    _losses = _Losses()
    _scans.clear()
