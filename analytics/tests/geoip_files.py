"""GeoIP databases written by the tests themselves, in MaxMind's format (with mmdb-writer).

Each test names the networks it needs and writes them into its own folder, so expectations
come from the test, not from a file that lives outside the repository. The files are read
like MaxMind's: an IPv6 tree with IPv4 mapped in, `database_type` "GeoLite2-City", "-Country"
or "-ASN", records shaped as in GeoLite2 (geoip2's City, Country and ASN models read them).
bench/redirect.py writes its databases with the same functions.

    write_city(tmp_path / "city.mmdb", {"192.0.2.0/24": city("GB", "London")})
"""

from datetime import UTC, date, datetime
from pathlib import Path

import maxminddb
from mmdb_writer import MmdbU32, MMDBWriter
from netaddr import IPSet

# A fixed build date, so a test that does not name one still gets the same file every run.
DEFAULT_BUILT = date(2026, 1, 6)


class _Writer(MMDBWriter):
    """mmdb-writer stamps the current time as the build date; a test names its own."""

    def __init__(self, built, **options):
        super().__init__(**options)
        self.build_epoch = int(datetime(built.year, built.month, built.day, tzinfo=UTC).timestamp())

    def _build_meta(self):
        return {**super()._build_meta(), "build_epoch": self.build_epoch}


def city(country, name=None):
    """A GeoLite2-City record: the country's ISO code and, when given, the city's name."""
    record = {"country": {"iso_code": country, "names": {"en": country}}}
    if name:
        record["city"] = {"names": {"en": name}}
    return record


def asn(number, organisation):
    """A GeoLite2-ASN record."""
    return {
        "autonomous_system_number": MmdbU32(number),
        "autonomous_system_organization": organisation,
    }


def write_database(path, database_type, networks, built=DEFAULT_BUILT):
    """Write `networks` ({"CIDR": record}) as a MaxMind DB of `database_type`; returns the
    path as text, as the GEOIP_* settings take it."""
    writer = _Writer(
        built,
        ip_version=6,
        ipv4_compatible=True,
        database_type=database_type,
        languages=["en"],
        description=f"{database_type} test database",
    )
    for network, record in networks.items():
        writer.insert_network(IPSet([network]), record)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    writer.to_db_file(str(path))
    return str(path)


def write_city(path, networks, built=DEFAULT_BUILT):
    return write_database(path, "GeoLite2-City", networks, built)


def write_country(path, networks, built=DEFAULT_BUILT):
    return write_database(path, "GeoLite2-Country", networks, built)


def write_asn(path, networks, built=DEFAULT_BUILT):
    return write_database(path, "GeoLite2-ASN", networks, built)


def write_corrupt_city(path, networks):
    """A City database whose header and search tree are sound but whose data section is
    garbage: it opens, and every lookup of a known network fails (InvalidDatabaseError)."""
    write_city(path, networks)
    with maxminddb.open_database(str(path)) as reader:
        meta = reader.metadata()
    content = Path(path).read_bytes()
    start = meta.node_count * meta.record_size // 4 + 16  # the tree, then 16 zero bytes
    end = content.rindex(b"\xab\xcd\xefMaxMind.com")
    # 0x00 0xff: an "extended" type number 262, which no reader knows.
    garbage = (b"\x00\xff" * (end - start))[: end - start]
    Path(path).write_bytes(content[:start] + garbage + content[end:])
    return str(path)


def write_truncated(path, networks):
    """A City database cut in half, as an interrupted download leaves it: it does not open."""
    write_city(path, networks)
    content = Path(path).read_bytes()
    Path(path).write_bytes(content[: len(content) // 2])
    return str(path)
