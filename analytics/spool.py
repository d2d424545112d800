"""Durable click recording: an append-only spool file per process, drained into `clicks`.

The redirect appends each click as one JSON line with a single `os.write` to this process's
spool file and answers at once. The data is then in the kernel's page cache: it survives the
worker being killed (even with SIGKILL) and PostgreSQL being down. A flusher thread in each
worker (or `manage.py drain_clicks`) rotates the file about once a second and loads whole
batches with COPY.

Files in CLICK_SPOOL_DIR, and who may touch them:
  active-<pid>-<token>-<n>.jsonl  being appended; its writer holds an flock on it
  ready-<pid>-<token>-<n>.jsonl   rotated out, waiting to be loaded by any drainer
  rejected-<pid>.jsonl            lines PostgreSQL refused (logged too), kept for a replay
A drainer takes an flock before loading a file and deletes it after COMMIT. The kernel
releases a dead process's locks, so an unlocked `active-` file belongs to a dead worker and
is drained like a `ready-` one. Every click has its UUID from the moment it is spooled, and
a reload of a file that was partly loaded skips ids already stored: a crash between COMMIT
and delete repeats no click.
"""

import fcntl
import json
import logging
import os
import secrets
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction

from webhooks.events import clicks_recorded

from . import bursts

logger = logging.getLogger(__name__)

COLUMNS = (
    "id",
    "link_id",
    "timestamp",
    "ip_address",
    "user_agent",
    "referrer",
    "country",
    "city",
    "is_bot",
    "bot_reason",
    "bot_score",
    "browser",
    "os",
    "device_type",
    "asn_number",
    "asn_org",
)
_COLUMN_LIST = ", ".join(f'"{column}"' for column in COLUMNS)
# Column names are the constants above, never input.
_INSERT_NEW_SQL = (
    f"INSERT INTO clicks ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM clicks_spool_batch b "  # noqa: S608
    "WHERE EXISTS (SELECT 1 FROM links l WHERE l.id = b.link_id) "
    "ON CONFLICT (id) DO NOTHING"
)
# A `.new-` file is a writer's file between create and lock+rename; older than this, its
# writer died in between.
_NEW_FILE_GRACE_SECONDS = 60


def encode(row):
    """One spool line (also the form logged when a click cannot be spooled)."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class _Writer:
    """This process's open spool file. One lock guards writes against rotation."""

    def __init__(self, directory):
        self.directory = directory
        self.pid = os.getpid()
        self.token = secrets.token_hex(3)
        self.lock = threading.Lock()
        self.seq = 0
        os.makedirs(directory, exist_ok=True)
        self.fd, self.path = self._open_new()
        self.size = 0

    def _open_new(self):
        self.seq += 1
        name = f"{self.pid}-{self.token}-{self.seq}.jsonl"
        temporary = os.path.join(self.directory, f".new-{name}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o640)
        # Locked before it gets a name drainers look at, so none mistakes it for a dead one.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path = os.path.join(self.directory, f"active-{name}")
        os.rename(temporary, path)
        return fd, path

    def append(self, data):
        with self.lock:
            view = memoryview(data)
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
            self.size += len(data)

    def rotate(self):
        """Hand the current file to the drainers; return its new path (None if empty)."""
        with self.lock:
            if self.size == 0:
                return None
            old_fd, old_path = self.fd, self.path
            self.fd, self.path = self._open_new()
            self.size = 0
            ready = os.path.join(self.directory, "ready-" + old_path.rsplit("active-", 1)[1])
            os.rename(old_path, ready)
        os.close(old_fd)  # releases the flock
        return ready

    def close(self):
        with self.lock:
            os.close(self.fd)
            if self.size == 0:
                os.unlink(self.path)


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


def _forget_writer_after_fork():
    # A forked child shares the parent's open file (and its flock); it needs its own.
    global _writer, _flusher
    _writer = None
    _flusher = None


os.register_at_fork(after_in_child=_forget_writer_after_fork)


def append(row):
    """Spool one click row (a dict keyed by COLUMNS). Raises OSError if it cannot."""
    _current_writer().append(encode(row))
    if settings.CLICK_FLUSHER_THREAD:
        start_flusher()


# --- Loading spooled clicks into PostgreSQL -------------------------------------------


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


def _copy(cursor, table, rows):
    # cursor.copy is psycopg's own: wrap its errors into Django's like execute() does.
    statement = f"COPY {table} ({_COLUMN_LIST}) FROM STDIN"
    with connection.wrap_database_errors, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row.get(column) for column in COLUMNS])


def _insert_skipping_known(rows):
    """COPY into a scratch table, then keep only new ids of links that still exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS clicks_spool_batch (LIKE clicks) ON COMMIT DELETE ROWS"
        )
        cursor.execute("DELETE FROM clicks_spool_batch")
        _copy(cursor, "clicks_spool_batch", rows)
        cursor.execute(_INSERT_NEW_SQL)
        inserted = cursor.rowcount
        cursor.execute("DELETE FROM clicks_spool_batch")
    return inserted


def _insert_with_the_orm(rows):
    """The quick start's SQLite has no COPY: the same rule (skip ids already stored and
    links deleted meanwhile) with the ORM, in chunks below SQLite's variable limit."""
    from links.models import Link

    from .models import Click

    inserted = 0
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        # UUIDs compared as values: SQLite's raw rows spell them without dashes.
        link_ids = {uuid.UUID(str(r["link_id"])) for r in chunk}
        links = set(Link.objects.filter(pk__in=link_ids).values_list("pk", flat=True))
        click_ids = [uuid.UUID(r["id"]) for r in chunk]
        stored = set(Click.objects.filter(pk__in=click_ids).values_list("pk", flat=True))
        new = [
            r
            for r in chunk
            if uuid.UUID(str(r["link_id"])) in links and uuid.UUID(r["id"]) not in stored
        ]
        Click.objects.bulk_create([Click(**{c: r.get(c) for c in COLUMNS}) for r in new])
        inserted += len(new)
    return inserted


def _insert(rows):
    """Store a batch; returns (inserted, rejected rows). Raises if PostgreSQL is away."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            return _insert_with_the_orm(rows), []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # The usual case: all new, all links there. One COPY straight into the table;
            # foreign keys checked now (Django makes them deferred), not at COMMIT.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            _copy(cursor, "clicks", rows)
        return len(rows), []
    except IntegrityError:
        pass  # a replayed file or a deleted link: the careful path below
    except DataError:
        return _insert_one_by_one(rows)
    try:
        with transaction.atomic():
            return _insert_skipping_known(rows), []
    except (DataError, IntegrityError):
        return _insert_one_by_one(rows)


def _insert_one_by_one(rows):
    inserted, rejected = 0, []
    for row in rows:
        try:
            with transaction.atomic():
                inserted += _insert_skipping_known([row])
        except (DataError, IntegrityError) as error:
            logger.error("click refused by PostgreSQL (%s): %s", error, encode(row).decode())
            rejected.append(row)
    return inserted, rejected


def _reject(directory, rows):
    path = os.path.join(directory, f"rejected-{os.getpid()}.jsonl")
    with open(path, "ab") as file:
        for row in rows:
            file.write(encode(row) if isinstance(row, dict) else row)


def _parse_lines(directory, lines):
    rows = []
    for line in lines:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not row.get("id") or not row.get("link_id"):
                raise ValueError("not a click row")
        except (ValueError, UnicodeDecodeError):
            logger.error("unreadable spool line kept in rejected-*.jsonl: %r", line[:2000])
            _reject(directory, [line if line.endswith(b"\n") else line + b"\n"])
            continue
        rows.append(row)
    return rows


def _mark_bursts(rows):
    try:
        bursts.mark_bursts(rows)
    except Exception:  # a burst verdict is never worth a click
        logger.exception("burst verdicts skipped for a batch of %d clicks", len(rows))


def _drain_file(fd, directory, batch_size):
    result = DrainResult(files=1)
    with os.fdopen(os.dup(fd), "rb") as file:
        while True:
            lines = file.readlines(batch_size * 400) if batch_size else file.readlines()
            if not lines:
                break
            rows = _parse_lines(directory, lines)
            result.lines += len(lines)
            result.rejected += len(lines) - len(rows)
            if rows:
                _mark_bursts(rows)
                inserted, rejected = _insert(rows)
                clicks_recorded(rows)  # committed: announced to webhook subscribers
                if rejected:
                    _reject(directory, rejected)
                result.inserted += inserted
                result.rejected += len(rejected)
                result.skipped += len(rows) - inserted - len(rejected)
    return result


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


def drain(directory=None, batch_size=None, dry_run=False):
    """Load every spool file no live process is writing; return what was done.

    PostgreSQL errors other than bad data propagate (the file stays for the next try).
    """
    directory = str(directory or settings.CLICK_SPOOL_DIR)
    batch_size = batch_size or settings.CLICK_FLUSH_BATCH_SIZE
    total = DrainResult()
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return total
    for name in names:
        if not _drainable(directory, name):
            continue
        path = os.path.join(directory, name)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its writer is alive, or another drainer has it
            if os.fstat(fd).st_nlink == 0:
                continue  # another drainer finished it while we waited
            if dry_run:
                with os.fdopen(os.dup(fd), "rb") as file:
                    total.add(DrainResult(files=1, lines=sum(1 for _ in file)))
                continue
            total.add(_drain_file(fd, directory, batch_size))
            os.unlink(path)
        finally:
            os.close(fd)
    return total


def rotate():
    """Hand this process's current spool file to the drainers (if it has clicks)."""
    writer = _writer
    if writer is not None and writer.pid == os.getpid():
        return writer.rotate()
    return None


def flush():
    """Load everything spooled so far, this process's current file included. Synchronous:
    what tests, the shutdown hook and `drain_clicks` call."""
    rotate()
    return drain()


# --- The per-process flusher thread --------------------------------------------------------


class Flusher(threading.Thread):
    def __init__(self, interval):
        super().__init__(name="click-flusher", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()
        self.failing = False

    def run(self):
        while not self.stopping.wait(self.interval):
            self.flush_once()
        connection.close()

    def flush_once(self):
        try:
            result = flush()
        except DatabaseError as error:
            if not self.failing:
                logger.warning("clicks stay spooled, PostgreSQL unavailable: %s", error)
            self.failing = True
            if not connection.in_atomic_block:  # (only a test calls this inside one)
                connection.close()  # reconnect on the next round
            return
        except Exception:
            logger.exception("click flush failed; clicks stay spooled")
            return
        if self.failing:
            logger.warning("PostgreSQL back, spooled clicks loaded")
            self.failing = False
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
        result = flush()
        logger.info("worker exit: %s spooled clicks loaded", result.inserted)
    except DatabaseError as error:
        logger.warning("worker exit: clicks stay spooled for the next worker: %s", error)
    writer = _writer
    if writer is not None and writer.pid == os.getpid():
        # Whatever came after the flush stays in the file for the next drainer.
        writer.close()
