"""Country, city and network owner (ASN) of an IP address, from MaxMind databases.

Each database file is read into this process's memory and looked up with `maxminddb`'s C
reader (plain dicts: a third of geoip2's model objects), and every answer is cached per
address. The reader never maps the configured file itself: a file truncated or
overwritten in place under a memory-mapped reader kills the process with SIGBUS. The copy
is a sealed memfd (it cannot shrink or change, so the C reader may map it); where memfd is
unavailable, maxminddb's pure-Python reader holds the bytes (about 13 times slower).

At most every GEOIP_CHECK_SECONDS the file's identity (device, inode, size, mtime) is
compared with the one in use; a replaced file (geoipupdate writes a new file and renames it
over the old one) is read and checked, and only a good database of the right kind replaces
the reader. A missing, corrupt or wrong-kind file, or an address the file does not know,
gives empty fields: the click is still recorded and the visitor is still redirected.
Problems with a file are logged once per version of the file, not once per click.
"""

import fcntl
import io
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import maxminddb
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Location:
    country: str | None = None
    city: str | None = None
    asn_number: int | None = None
    asn_org: str | None = None


NOWHERE = Location()

# What each setting must point at, by the words MaxMind's (and DB-IP's) database types
# contain: GeoLite2-City, GeoIP2-City, GeoIP2-Enterprise; GeoLite2-ASN, GeoIP2-ISP.
KINDS = {
    "city": ("GEOIP_CITY_DB", "a City", ("City", "Enterprise")),
    "asn": ("GEOIP_ASN_DB", "an ASN", ("ASN", "ISP")),
}


class _Unusable(Exception):
    pass


class _StillWriting(_Unusable):
    pass


def _identity(stat):
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _private_reader(path):
    """(reader, identity of the file read): a reader over a private copy of the file that
    nobody can shrink or rewrite; refused when the file changed while it was copied (a copy
    or download still writing it in place)."""
    with open(path, "rb") as file:
        before = _identity(os.fstat(file.fileno()))
        if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
            reader, copied = _sealed_memfd_reader(file, before[2])
        else:
            data = file.read()
            reader, copied = maxminddb.open_database(io.BytesIO(data), maxminddb.MODE_FD), len(data)
        if _identity(os.fstat(file.fileno())) != before or copied != before[2]:
            raise _StillWriting("the file changed while it was read")
    return reader, before


def _sealed_memfd_reader(file, size):
    fd = os.memfd_create("macondo-geoip", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        # Kernel to kernel: the file's bytes never pass through a Python object.
        copied = 0
        while copied < size:
            sent = os.sendfile(fd, file.fileno(), copied, size - copied)
            if sent == 0:
                break  # shorter than it was a moment ago
            copied += sent
        seals = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
        # libmaxminddb maps the memfd and closes its own descriptor; the mapping stays.
        return maxminddb.open_database(f"/proc/self/fd/{fd}", maxminddb.MODE_MMAP_EXT), copied
    finally:
        os.close(fd)


class _Database:
    """One configured file: the reader in use, and what became of the latest version."""

    def __init__(self, kind, path):
        self.kind = kind
        self.path = path
        self.reader = None
        self.problem = "not configured" if not path else None
        self.identity = None  # of the version last tried, good or bad
        self.next_check = 0.0
        self.lock = threading.Lock()

    def refresh(self, now):
        """Read the file again if it was replaced since the last check (at most every
        GEOIP_CHECK_SECONDS); a bad new version keeps the previous reader."""
        if not self.path or now < self.next_check or not self.lock.acquire(blocking=False):
            return
        try:
            self.next_check = now + settings.GEOIP_CHECK_SECONDS
            try:
                identity = _identity(os.stat(self.path))
            except OSError as error:
                identity = ("unreadable", str(error))
            if identity != self.identity:
                self._load(identity)
        finally:
            self.lock.release()

    def _load(self, identity):
        _setting, label, words = KINDS[self.kind]
        try:
            reader, identity = _private_reader(self.path)
            database_type = reader.metadata().database_type
            if not any(word in database_type for word in words):
                raise _Unusable(f"a {database_type} database is not {label} database")
        except Exception as error:  # noqa: BLE001 - a bad file must never break a worker
            if isinstance(error, _StillWriting):
                identity = None  # still being written: try again at the next check
            self._refused(identity, error)
            return
        replaced = self.reader is not None
        self.reader, self.problem, self.identity = reader, None, identity
        _locate.cache_clear()
        if replaced:
            logger.info("GeoIP database %s replaced: %s", self.path, _describe(reader))

    def _refused(self, identity, error):
        if self.reader is None:
            self.problem = f"unusable, fields stay empty: {error}"
        else:
            self.problem = f"new version unusable, the previous one still serves: {error}"
        if identity is None or identity != self.identity:
            logger.warning("GeoIP database %s %s", self.path, self.problem)
        self.identity = identity

    def status(self):
        reader = self.reader
        metadata = reader.metadata() if reader is not None else None
        return {
            "loaded": reader is not None,
            "database_type": metadata.database_type if metadata else None,
            "build_date": _build_date(metadata) if metadata else None,
            "problem": self.problem,
        }


def _build_date(metadata):
    return datetime.fromtimestamp(metadata.build_epoch, UTC).date().isoformat()


def _describe(reader):
    metadata = reader.metadata()
    return f"{metadata.database_type} built {_build_date(metadata)}"


_databases = {}
_databases_lock = threading.Lock()
_warned = set()


def _database(kind):
    path = getattr(settings, KINDS[kind][0])
    key = (kind, path)
    database = _databases.get(key)
    if database is None:
        with _databases_lock:
            database = _databases.setdefault(key, _Database(kind, path))
    database.refresh(time.monotonic())
    return database


def status():
    """What /health reports for each database, from the readers the clicks use: whether
    one is in use, its type and build date (ISO day), and what is wrong, if anything."""
    return {kind: _database(kind).status() for kind in KINDS}


def _lookup(database, ip):
    reader = database.reader
    if reader is None:
        return None
    try:
        return reader.get(ip)
    except (maxminddb.InvalidDatabaseError, ValueError) as error:
        if database.identity not in _warned:
            _warned.add(database.identity)
            logger.warning(
                "GeoIP database %s failed a lookup, fields stay empty: %s", database.path, error
            )
        return None


def _text(record, *keys):
    for key in keys:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record if isinstance(record, str | int) and record != "" else None


@lru_cache(maxsize=16384)
def _locate(city, asn, ip):
    city = _lookup(city, ip)
    asn = _lookup(asn, ip)
    return Location(
        country=_text(city, "country", "iso_code"),
        city=_text(city, "city", "names", "en"),
        asn_number=_text(asn, "autonomous_system_number"),
        asn_org=_text(asn, "autonomous_system_organization"),
    )


def locate(ip):
    """The Location of a textual IP address; NOWHERE for private, reserved or unknown ones."""
    if not ip:
        return NOWHERE
    # No is_global check first: it costs more than the lookup, and the databases hold no
    # private or reserved network anyway.
    return _locate(_database("city"), _database("asn"), ip)


def reset():
    """Forget the databases, cached answers and warnings (tests)."""
    with _databases_lock:
        _databases.clear()
        _warned.clear()
    _locate.cache_clear()
