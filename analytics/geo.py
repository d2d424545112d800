"""Country, city and network owner (ASN) of an IP address, from MaxMind databases.

Each database file is opened once per process (memory-mapped, so gunicorn workers share
the pages) and every answer is cached per address. It is read with `maxminddb` (the C
reader under `geoip2`) directly: a plain dict costs a third of geoip2's model objects. A missing or corrupt file, or an address
the file does not know, gives empty fields: the click is still recorded and the visitor is
still redirected. Problems with a file are logged once per process, not once per click.
"""

import logging
import threading
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

_readers = {}
_warned = set()
_lock = threading.Lock()


def _warn_once(path, message, *args):
    if path not in _warned:
        _warned.add(path)
        logger.warning(message, *args)


def _reader(path):
    """The open reader for `path`, or None when it is unset, missing or unreadable."""
    if not path:
        return None
    try:
        return _readers[path]
    except KeyError:
        pass
    with _lock:
        if path not in _readers:
            try:
                _readers[path] = maxminddb.open_database(path)
            except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
                _warn_once(path, "GeoIP database %s unusable, fields stay empty: %s", path, error)
                _readers[path] = None
    return _readers[path]


def city_database_status():
    """Whether this process's City reader is open, and the database's build date (ISO day):
    what /health reports, from the same reader the redirect uses."""
    reader = _reader(settings.GEOIP_CITY_DB)
    if reader is None:
        return {"loaded": False, "build_date": None}
    epoch = reader.metadata().build_epoch
    return {"loaded": True, "build_date": datetime.fromtimestamp(epoch, UTC).date().isoformat()}


def _lookup(path, ip):
    reader = _reader(path)
    if reader is None:
        return None
    try:
        return reader.get(ip)
    except (maxminddb.InvalidDatabaseError, ValueError) as error:
        _warn_once(path, "GeoIP database %s failed a lookup, fields stay empty: %s", path, error)
        return None


def _text(record, *keys):
    for key in keys:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record if isinstance(record, str | int) and record != "" else None


@lru_cache(maxsize=16384)
def _locate(city_path, asn_path, ip):
    city = _lookup(city_path, ip)
    asn = _lookup(asn_path, ip)
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
    return _locate(settings.GEOIP_CITY_DB, settings.GEOIP_ASN_DB, ip)


def reset():
    """Forget open readers, cached answers and warnings (tests; a reload after an update)."""
    with _lock:
        for reader in _readers.values():
            if reader is not None:
                reader.close()
        _readers.clear()
        _warned.clear()
    _locate.cache_clear()
