"""Loading spooled clicks: lock and read the files no live process writes, register their
clicks with the burst detector, store them through the loader once they are due, then delete
them (keeping refused and unreadable lines as `rejected-…`)."""

import logging
import os
import time
from contextlib import suppress
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError

from analytics.clicks import loader
from analytics.clicks.spool import writing
from analytics.clicks.spool.files import created_at, drainable, lines_within, open_locked, read_all
from analytics.clicks.visit import Visit
from analytics.verdicts import bursts
from webhooks.events import clicks_recorded

logger = logging.getLogger(__name__)

LOAD_ATTEMPTS = 3
_last_load = None


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


def _read(path, fd, created):
    data = read_all(fd)
    visits, spans, bad = [], [], []
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        for first, last in lines_within(data, start, end):
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
        if path not in _held and drainable(directory, name):
            created = created_at(directory, name)
            if created is not None:
                candidates.append((created, name, path))
    for created, _name, path in sorted(candidates):
        if budget <= 0:
            break
        fd = open_locked(path)
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
    """A file that failed to load LOAD_ATTEMPTS times for a reason other than the
    database: renamed rejected-… whole, so it is never retried for ever."""
    held.attempts += 1
    logger.exception("loading spool file %s failed (attempt %d)", held.path, held.attempts)
    if held.attempts < LOAD_ATTEMPTS:
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
    writing.scan_folder(directory, max_age=0)
    return total


def _count(directory):
    total = DrainResult()
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return total
    for name in names:
        path = os.path.join(directory, name)
        if not drainable(directory, name) or path in _held:
            continue
        fd = open_locked(path)
        if fd is None:
            continue
        try:
            total.add(DrainResult(files=1, lines=read_all(fd).count(b"\n")))
        finally:
            os.close(fd)
    return total


def flush():
    """Load everything spooled so far, this process's open file included, without waiting:
    what tests, the shutdown hook and `drain_clicks` call."""
    writing.rotate()
    return drain(wait=False)


def drain_at_exit(timeout):
    """Load what this process spooled, its last clicks once they are due (the other workers
    go on registering theirs meanwhile), within `timeout` seconds."""
    deadline = time.monotonic() + min(timeout, settings.BOT_BURST_LATENESS_SECONDS + 1)
    writing.rotate()
    result = drain()
    while any(not held.stored for held in _held.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
        result.add(drain())
    result.add(drain(wait=False))
    return result


def release_held():
    """Close the files this process holds: their locks go, another process finishes them."""
    for held in list(_held.values()):
        os.close(held.fd)
    _held.clear()


def last_load():
    """Unix time this process last ran `drain`, or None."""
    return _last_load


os.register_at_fork(after_in_child=_held.clear)


def forget():
    """Release the files this process holds and forget its last load (tests)."""
    global _last_load
    release_held()
    _last_load = None
