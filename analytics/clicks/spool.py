"""Durable click recording: an append-only spool file per process, loaded into `clicks`.

The redirect appends each click (`analytics.clicks.visit.Visit.encode`, one JSON line) with one
`os.write` to this process's spool file and answers at once. The data is then in the kernel's
page cache: it survives the worker being killed (even with SIGKILL) and PostgreSQL being
down. A flusher thread in each worker (or `manage.py drain_clicks`) takes the files about
once a second and hands them to `analytics.clicks.loader`.

Files in CLICK_SPOOL_DIR, and who may touch them:
  active-<µs>-<pid>-<token>-<n>.jsonl   being appended; its writer holds an flock on it
  ready-<µs>-<pid>-<token>-<n>.jsonl    handed over (after CLICK_FLUSH_INTERVAL), waiting
  rejected-<µs>-<pid>-<token>-<n>.jsonl lines that could not be loaded (logged too), for a
                                        replay; never read again by the loader
<µs> is when the file's first click was written (a file is created for its first click), so
names sort by time and tell the age of the oldest unloaded click. A loader takes an flock on
a file before reading it and deletes it after COMMIT; the kernel releases a dead process's
locks, so an unlocked `active-` file belongs to a dead worker and is loaded like a `ready-`
one. Every click has its UUID from the moment it is spooled, and a file loaded again after a
crash between COMMIT and delete stores no click twice.

Loading a file: read it whole, register its clicks with the burst detector at once, wait
until its newest click is BOT_BURST_LATENESS_SECONDS old (so the other workers' and servers'
clicks of the same moment are registered too: `analytics.verdicts.bursts`), then store it through the
loader in batches of CLICK_FLUSH_BATCH_SIZE and delete it. `flush()` (tests, shutdown,
`drain_clicks`) does not wait.

Faults, and what happens:
- A write fails (disk full, read-only, an I/O error): the click is dropped and counted
  (`status()`, /health), the first of an outage logged with its line. A partly written line
  is cut off again with ftruncate (which needs no space); if even that fails the next line
  starts with a newline, so a half line is only ever its own, rejected, line and never glues
  onto a good one. The next click tries again: recording resumes by itself.
- The spool folder is missing, read-only or was deleted under an open file: the writer
  creates it again if it can; a file deleted while open is written out anew from its open
  descriptor when it is handed over, so what was spooled is not lost.
- CLICK_SPOOL_MAX_BYTES reached (all files together, as of the last scan, at most a second
  old): new clicks are dropped and counted until loading makes room; spooled clicks are never
  dropped to make room.
- Loading frees space before it writes anything: a loaded file is deleted, or, when some of
  its lines were refused, those lines are written over the start of the same file, which is
  cut after them and renamed `rejected-…` (no new space needed on a full disk). If that fails
  too (read-only), the file stays locked by this process and is finished later, never loaded
  again. A file whose loading fails for any reason but the database, 3 times, is renamed
  `rejected-…` whole: no file is retried for ever.
"""

import fcntl
import logging
import os
import re
import secrets
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection

from analytics.clicks import loader
from analytics.clicks.visit import Visit
from analytics.verdicts import bursts
from macondo.degraded import Dependency
from webhooks.events import clicks_recorded

logger = logging.getLogger(__name__)

# A `.new-` file is a writer's file between create and lock+rename; older than this, its
# writer died in between.
_NEW_FILE_GRACE_SECONDS = 60
_LOAD_ATTEMPTS = 3
_SCAN_MAX_AGE_SECONDS = 1.0
_CREATED = re.compile(r"^(?:active|ready|\.new)-(\d{16})-")


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
        data = bytearray()
        while len(data) < size:
            chunk = os.pread(fd, size - len(data), len(data))
            if not chunk:
                break
            data += chunk
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
            _lost(error, count=lines)
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


def _current_writer():
    global _writer
    directory = str(settings.CLICK_SPOOL_DIR)
    writer = _writer
    if writer is None or writer.pid != os.getpid() or writer.directory != directory:
        with _writer_lock:
            writer = _writer
            if writer is None or writer.pid != os.getpid() or writer.directory != directory:
                _writer = writer = _Writer(directory)
    return writer


# --- What this process could not spool -----------------------------------------------------


class _Losses:
    def __init__(self):
        self.lock = threading.Lock()
        self.dropped = 0
        self.since = None  # dropped since the spool last took a click: an outage


_losses = _Losses()


def _lost(reason, visit=None, count=1):
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


def _taken():
    with _losses.lock:
        lost, _losses.since = _losses.since, None
    if lost:
        logger.warning("the spool takes clicks again; %d were lost meanwhile", lost)


def dropped():
    """Clicks this process could not spool since it started."""
    return _losses.dropped


def _forget_after_fork():
    # A forked child shares the parent's open files (and their flocks); it needs its own.
    global _writer, _flusher, _losses
    _writer = None
    _flusher = None
    _losses = _Losses()
    _held.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def append(visit):
    """Spool one click; False (and counted) if it could not be. Never raises."""
    try:
        data = visit.encode()
        writer = _current_writer()
        writer.append(data, _room(writer))
    except SpoolFull:
        _lost(f"CLICK_SPOOL_MAX_BYTES={settings.CLICK_SPOOL_MAX_BYTES} reached", visit)
        return False
    except Exception as error:  # a failing disk or a bug: never the visitor's problem
        _lost(error if isinstance(error, OSError) else repr(error), visit)
        return False
    if _losses.since:
        _taken()
    if settings.CLICK_FLUSHER_THREAD:
        start_flusher()
    return True


def lost(error, visit=None):
    """Count a click that never reached `append` (its Visit could not be built)."""
    _lost(repr(error), visit)


# --- The spool folder as a whole -----------------------------------------------------------


@dataclass(frozen=True)
class _Scan:
    at: float  # monotonic
    # All but this process's open file:
    bytes: int = 0  # every spool file, rejected ones included (they count for the cap)
    files: int = 0  # files of clicks not loaded yet
    oldest: float | None = None  # Unix time of the oldest unloaded click
    rejected: int = 0


_scans = {}


def _created(directory, name):
    match = _CREATED.match(name)
    if match:
        return int(match[1]) / 1e6
    try:
        return os.stat(os.path.join(directory, name)).st_mtime
    except FileNotFoundError:
        return None


def _scan(directory, max_age=_SCAN_MAX_AGE_SECONDS):
    scan = _scans.get(directory)
    if scan is not None and time.monotonic() - scan.at < max_age:
        return scan
    own = _writer.path if _writer is not None and _writer.pid == os.getpid() else None
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
            created = _created(directory, entry.name)
            if created is not None and (oldest is None or created < oldest):
                oldest = created
    scan = _Scan(time.monotonic(), total, files, oldest, rejected)
    _scans[directory] = scan
    return scan


def _room(writer):
    """Bytes this process's open file may grow to under CLICK_SPOOL_MAX_BYTES."""
    cap = settings.CLICK_SPOOL_MAX_BYTES
    if not cap:
        return None
    # Without a flusher thread nobody else refreshes the scan: then at most every 10 s.
    scan = _scans.get(writer.directory)
    if scan is None or time.monotonic() - scan.at > 10:
        scan = _scan(writer.directory)
    return cap - scan.bytes


def _writable(directory):
    try:
        os.makedirs(directory, exist_ok=True)
        space = os.statvfs(directory)
    except OSError:
        return False
    return os.access(directory, os.W_OK) and space.f_bavail > 0


_last_load = None


def status():
    """What /health reports of click recording in this process, and whether it is well."""
    directory = str(settings.CLICK_SPOOL_DIR)
    scan = _scan(directory)
    backlog, files, oldest = scan.bytes, scan.files, scan.oldest
    writer = _writer if _writer is not None and _writer.pid == os.getpid() else None
    if writer is not None and writer.path and writer.size:  # this process's open file
        backlog, files = backlog + writer.size, files + 1
        created = _created(directory, os.path.basename(writer.path))
        oldest = created if oldest is None else min(oldest, created or oldest)
    now = time.time()
    writable = _writable(directory)
    oldest = None if oldest is None else round(max(0.0, now - oldest), 1)
    losing = not writable or _losses.since is not None
    stale = oldest is not None and oldest > settings.CLICK_BACKLOG_MAX_AGE_SECONDS
    return {
        "ok": not losing and not stale,
        "spool_writable": writable,
        "backlog": {"bytes": backlog, "files": files, "oldest_click_seconds": oldest},
        "rejected_files": scan.rejected,
        "seconds_since_last_load": None if _last_load is None else round(now - _last_load, 1),
        "clicks_dropped": _losses.dropped,
        "bursts": bursts.status(),
    }


# --- Loading spooled clicks ---------------------------------------------------------------


@dataclass
class DrainResult:
    files: int = 0
    lines: int = 0
    inserted: int = 0
    skipped: int = 0  # already stored (a replay) or their link was deleted meanwhile
    rejected: int = 0

    def add(self, other):
        self.files += other.files
        self.lines += other.lines
        self.inserted += other.inserted
        self.skipped += other.skipped
        self.rejected += other.rejected


@dataclass
class _Held:
    """A spool file this process has locked and read, until it is stored and removed."""

    name: str
    path: str
    fd: int
    created: float
    visits: list
    spans: list  # (start, end) of each visit's line in the file
    bad: list  # (start, end) of lines that are no Visit
    newest_us: int
    registered: float  # monotonic
    lines: int = 0
    refused: list = field(default_factory=list)  # spans PostgreSQL refused
    stored: bool = False
    attempts: int = 0
    finish_failed: bool = False


_held = {}  # path -> _Held


def _drainable(directory, name):
    if name.startswith(("ready-", "active-")):
        return True
    if name.startswith(".new-"):
        try:
            age = time.time() - os.stat(os.path.join(directory, name)).st_mtime
        except FileNotFoundError:
            return False
        return age > _NEW_FILE_GRACE_SECONDS
    return False


def _open_locked(path):
    """(fd) of a spool file locked for loading, or None if a live process holds it."""
    try:
        fd = os.open(path, os.O_RDONLY)  # (read-only: loadable on a read-only disk too)
    except OSError:
        return None  # gone meanwhile, or unreadable
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(fd).st_nlink == 0:
            raise FileNotFoundError  # another loader finished it while we waited
    except OSError:
        os.close(fd)
        return None
    return fd


def _read_all(fd):
    size = os.fstat(fd).st_size
    data = bytearray()
    while len(data) < size:
        chunk = os.pread(fd, size - len(data), len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


_LINE_START = b'{"id":'


def _lines_within(data, start, end):
    """The line data[start:end] as (start, end) spans: itself, or, when a half line (an
    older version's writer on a full disk) got a whole one glued to its end, the two. JSON
    escapes every quote inside a string, so `{"id":` only ever starts a line."""
    if not data[start:end].strip():
        return []
    glued = data.rfind(_LINE_START, start + 1, end)
    if glued < 0 or not data.startswith(_LINE_START, start):
        return [(start, end)]
    return [(start, glued), (glued, end)]


def _read(path, fd, created):
    data = _read_all(fd)
    visits, spans, bad = [], [], []
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        for first, last in _lines_within(data, start, end):
            try:
                visit = Visit.decode(data[first:last])
            except Exception:  # noqa: BLE001 - any line that is no Visit is set aside
                logger.error(
                    "unreadable spool line kept in rejected-*.jsonl: %r", data[first:last][:2000]
                )
                bad.append((first, last))
            else:
                visits.append(visit)
                spans.append((first, last))
        start = end
    newest = max((bursts.microseconds(v.timestamp) for v in visits), default=0)
    return _Held(
        name=os.path.basename(path),
        path=path,
        fd=fd,
        created=created,
        visits=visits,
        spans=spans,
        bad=bad,
        newest_us=newest,
        registered=time.monotonic(),
        lines=len(visits) + len(bad),
    )


def _take_new_files(directory):
    """Lock, read and register with the burst detector the files no process holds, oldest
    first, while this process holds fewer than 4 batches of clicks."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return
    budget = 4 * settings.CLICK_FLUSH_BATCH_SIZE
    budget -= sum(len(held.visits) for held in _held.values())
    candidates = []
    for name in names:
        path = os.path.join(directory, name)
        if path not in _held and _drainable(directory, name):
            created = _created(directory, name)
            if created is not None:
                candidates.append((created, name, path))
    for created, _name, path in sorted(candidates):
        if budget <= 0:
            break
        fd = _open_locked(path)
        if fd is None:
            continue  # its writer is alive, or another loader has it
        try:
            held = _read(path, fd, created)
        except OSError as error:
            logger.warning("spool file %s not readable now: %s", path, error)
            os.close(fd)
            continue
        _held[path] = held
        budget -= len(held.visits)
        try:
            bursts.detector().register(held.visits)
        except Exception:  # no burst evidence is better than a file never loaded
            logger.exception("clicks of %s not registered for bursts", path)


def _register_again_if_needed(held):
    """Registrations expire (analytics.verdicts.bursts); a file held long (PostgreSQL away) has its
    clicks and those of the other files held here registered again before it is judged."""
    if time.monotonic() - held.registered < bursts._ttl_seconds(bursts.rules()) / 3:
        return
    waiting = [item for item in _held.values() if not item.stored]
    bursts.detector().register([visit for item in waiting for visit in item.visits])
    for item in waiting:
        item.registered = time.monotonic()


def _store(held, batch_size):
    _register_again_if_needed(held)
    result = DrainResult(files=1, lines=held.lines, rejected=len(held.bad))
    held.refused = []  # a try that failed half-way left some
    for start in range(0, len(held.visits), batch_size):
        chunk = held.visits[start : start + batch_size]
        inserted, refused = loader.load(chunk)
        refused_ids = {visit.id for visit in refused}
        # Committed: announced to webhook subscribers (only clicks found stored count).
        clicks_recorded([visit.id for visit in chunk if visit.id not in refused_ids])
        held.refused.extend(
            span
            for visit, span in zip(chunk, held.spans[start : start + batch_size], strict=True)
            if visit.id in refused_ids
        )
        result.inserted += inserted
        result.rejected += len(refused)
        result.skipped += len(chunk) - inserted - len(refused)
    held.stored = True
    held.visits, held.spans = [], []
    return result


def _rejected_path(held):
    rest = held.name.split("-", 1)[1] if "-" in held.name else held.name
    return os.path.join(os.path.dirname(held.path), f"rejected-{rest}")


def _finish(held):
    """Remove a stored file, keeping its refused and unreadable lines; False if not now."""
    kept = sorted(held.bad + held.refused)
    try:
        if not kept:
            with suppress(FileNotFoundError):  # deleted by hand meanwhile: nothing to do
                os.unlink(held.path)
        else:
            lines = b"".join(os.pread(held.fd, end - start, start) for start, end in kept)
            # Over the file's own first bytes (lines come from later in it), then cut: no new
            # space needed. A crash in between leaves a file still named active/ready: loaded
            # again, its clicks are skipped as stored and these lines rejected again. (The
            # lock stays with held.fd: flock belongs to that open file, not to this one.)
            fd = os.open(held.path, os.O_WRONLY)
            try:
                written = 0
                while written < len(lines):
                    written += os.pwrite(fd, lines[written:], written)
                os.ftruncate(fd, len(lines))
            finally:
                os.close(fd)
            os.rename(held.path, _rejected_path(held))
    except OSError as error:
        if not held.finish_failed:
            logger.warning("spool file %s loaded, not removed yet: %s", held.path, error)
        held.finish_failed = True
        return False
    os.close(held.fd)
    del _held[held.path]
    return True


def _set_aside(held, error):
    """A file that failed to load _LOAD_ATTEMPTS times for a reason other than the
    database: renamed rejected-… whole, so it is never retried for ever."""
    held.attempts += 1
    logger.exception("loading spool file %s failed (attempt %d)", held.path, held.attempts)
    if held.attempts < _LOAD_ATTEMPTS:
        return
    try:
        os.rename(held.path, _rejected_path(held))
    except OSError:
        return
    logger.error("spool file %s set aside as %s: %s", held.path, _rejected_path(held), error)
    os.close(held.fd)
    del _held[held.path]


def drain(directory=None, batch_size=None, dry_run=False, wait=True):
    """Load the spool files no live process is writing; return what was done.

    With `wait`, a file is stored only once its newest click is BOT_BURST_LATENESS_SECONDS
    old (see the module doc); without, at once. PostgreSQL errors other than bad data
    propagate (the files stay for the next try).
    """
    global _last_load
    directory = str(directory or settings.CLICK_SPOOL_DIR)
    batch_size = batch_size or settings.CLICK_FLUSH_BATCH_SIZE
    if dry_run:
        return _count(directory)
    total = DrainResult()
    _take_new_files(directory)
    due = time.time_ns() // 1000
    if wait:
        due -= round(settings.BOT_BURST_LATENESS_SECONDS * 1e6)
    for held in sorted(_held.values(), key=lambda item: (item.created, item.name)):
        if os.path.dirname(held.path) != directory:
            continue
        if not held.stored:
            if held.newest_us > due:
                continue
            try:
                total.add(_store(held, batch_size))
            except DatabaseError:
                raise
            except Exception as error:  # noqa: BLE001 - a bad file must not stop the others
                _set_aside(held, error)
                continue
        _finish(held)
    _last_load = time.time()
    _scan(directory, max_age=0)
    return total


def _count(directory):
    total = DrainResult()
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return total
    for name in names:
        path = os.path.join(directory, name)
        if not _drainable(directory, name) or path in _held:
            continue
        fd = _open_locked(path)
        if fd is None:
            continue
        try:
            total.add(DrainResult(files=1, lines=_read_all(fd).count(b"\n")))
        finally:
            os.close(fd)
    return total


def rotate():
    """Hand this process's open spool file to the loaders (if it has one)."""
    writer = _writer
    if writer is not None and writer.pid == os.getpid():
        return writer.hand_over()
    return None


def flush():
    """Load everything spooled so far, this process's open file included, without waiting:
    what tests, the shutdown hook and `drain_clicks` call."""
    rotate()
    return drain(wait=False)


# --- The per-process flusher thread --------------------------------------------------------


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
            rotate()
            result = drain()
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


def start_flusher():
    global _flusher
    flusher = _flusher
    if flusher is not None and flusher.is_alive():
        return flusher
    with _writer_lock:
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
        result = _drain_at_exit(timeout)
        logger.info("worker exit: %s spooled clicks loaded", result.inserted)
    except DatabaseError as error:
        logger.warning("worker exit: clicks stay spooled for the next worker: %s", error)
    writer = _writer
    if writer is not None and writer.pid == os.getpid():
        # Whatever came after the flush stays in the file for the next loader.
        writer.close()
    _release_held()


def _drain_at_exit(timeout):
    """Load what this process spooled, its last clicks once they are due (the other workers
    go on registering theirs meanwhile), within `timeout` seconds."""
    deadline = time.monotonic() + min(timeout, settings.BOT_BURST_LATENESS_SECONDS + 1)
    rotate()
    result = drain()
    while any(not held.stored for held in _held.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
        result.add(drain())
    result.add(drain(wait=False))
    return result


def _release_held():
    for held in list(_held.values()):
        os.close(held.fd)  # their locks go: another process finishes them
    _held.clear()


def forget():
    """Close this process's files and forget its counts (tests: each has its own folder)."""
    global _writer, _losses, _last_load
    if _writer is not None and _writer.pid == os.getpid():
        _writer.close()
    _writer = None
    _release_held()
    _losses = _Losses()
    _last_load = None
    _scans.clear()
