"""GeoIP files replaced while the app serves: truncated or rewritten in place, swapped by
rename (geoipupdate), broken, or of the wrong kind. The databases are built here with
mmdb-writer, so these tests need no shared files."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from analytics.clicks import geo

ROOT = Path(__file__).resolve().parents[2]
LONDON = {"country": {"iso_code": "GB"}, "city": {"names": {"en": "London"}}}
PARIS = {"country": {"iso_code": "FR"}, "city": {"names": {"en": "Paris"}}}
GOOGLE = {"autonomous_system_number": 15169, "autonomous_system_organization": "Google LLC"}


def write_database(path, database_type, record, built="2026-03-01", network="81.2.69.0/24"):
    """An .mmdb file of `database_type` giving `record` for `network` (IPv4 and IPv6
    lookups both work, as in MaxMind's files), built on the day `built`."""
    epoch = int(datetime.fromisoformat(built).replace(tzinfo=UTC).timestamp())

    class Writer(MMDBWriter):
        def _build_meta(self):
            return {**super()._build_meta(), "build_epoch": epoch}

    writer = Writer(ip_version=6, ipv4_compatible=True, database_type=database_type)
    writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path


def swap_in(path, database_type, record, **options):
    """What geoipupdate does: write the new file beside the old one, then rename it over."""
    fresh = write_database(path.with_suffix(".new"), database_type, record, **options)
    os.replace(fresh, path)


@pytest.fixture
def city(settings, tmp_path):
    path = write_database(tmp_path / "GeoLite2-City.mmdb", "GeoLite2-City", LONDON)
    settings.GEOIP_CITY_DB = str(path)
    settings.GEOIP_ASN_DB = ""
    settings.GEOIP_CHECK_SECONDS = 0
    return path


def test_a_database_swapped_by_rename_is_used_without_a_restart(city):
    assert geo.locate("81.2.69.142") == geo.Location(country="GB", city="London")
    swap_in(city, "GeoLite2-City", PARIS, built="2026-03-08")
    assert geo.locate("81.2.69.142") == geo.Location(country="FR", city="Paris")
    assert geo.status()["city"]["build_date"] == "2026-03-08"


def test_a_replacement_is_noticed_only_at_the_next_check(city, settings):
    settings.GEOIP_CHECK_SECONDS = 3600
    assert geo.locate("81.2.69.142").city == "London"
    swap_in(city, "GeoLite2-City", PARIS)
    assert geo.locate("81.2.69.142").city == "London"


@pytest.mark.parametrize(
    "replace",
    [
        lambda path: path.write_bytes(b"not a maxmind database" * 100),
        lambda path: path.write_bytes(path.read_bytes()[:100]),
        lambda path: path.write_bytes(b""),
    ],
    ids=["junk", "truncated", "empty"],
)
def test_a_broken_replacement_keeps_the_previous_database_and_is_reported(
    city, replace, client, db, caplog
):
    assert geo.locate("81.2.69.142").city == "London"
    broken = city.with_suffix(".new")
    broken.write_bytes(city.read_bytes())
    replace(broken)
    os.replace(broken, city)
    assert geo.locate("81.2.69.142").city == "London"
    assert geo.locate("81.2.69.142").city == "London"
    report = client.get("/health").json()["geoip"]["city"]
    assert report["loaded"] is True
    assert report["database_type"] == "GeoLite2-City"
    assert report["problem"].startswith("new version unusable, the previous one still serves")
    assert [r.message for r in caplog.records if r.name == "analytics.clicks.geo"] == [
        f"GeoIP database {city} {report['problem']}"
    ]


def test_a_good_file_after_a_broken_one_is_picked_up(city):
    geo.locate("81.2.69.142")
    city.write_bytes(b"half a download")
    assert geo.locate("81.2.69.142").city == "London"
    swap_in(city, "GeoLite2-City", PARIS)
    assert geo.locate("81.2.69.142").city == "Paris"


@pytest.mark.parametrize(
    ("database_type", "record"),
    [("GeoLite2-Country", {"country": {"iso_code": "GB"}}), ("GeoLite2-ASN", GOOGLE)],
)
def test_a_file_of_another_kind_as_the_city_database_is_reported_and_not_used(
    settings, tmp_path, client, db, database_type, record
):
    settings.GEOIP_CITY_DB = str(write_database(tmp_path / "city.mmdb", database_type, record))
    settings.GEOIP_ASN_DB = ""
    assert geo.locate("81.2.69.142") == geo.NOWHERE
    report = client.get("/health").json()["geoip"]["city"]
    assert report == {
        "loaded": False,
        "database_type": None,
        "build_date": None,
        "problem": f"unusable, fields stay empty: a {database_type} database is not a City database",
    }


def test_a_city_file_as_the_asn_database_is_reported(settings, tmp_path, client, db):
    settings.GEOIP_CITY_DB = ""
    settings.GEOIP_ASN_DB = str(write_database(tmp_path / "asn.mmdb", "GeoLite2-City", LONDON))
    assert client.get("/health").json()["geoip"]["asn"]["problem"] == (
        "unusable, fields stay empty: a GeoLite2-City database is not an ASN database"
    )


def test_health_reports_each_database_type_and_build_date(settings, tmp_path, client, db):
    settings.GEOIP_CITY_DB = str(
        write_database(tmp_path / "c.mmdb", "GeoIP2-City", LONDON, built="2026-02-04")
    )
    settings.GEOIP_ASN_DB = str(
        write_database(tmp_path / "a.mmdb", "GeoLite2-ASN", GOOGLE, built="2026-02-11")
    )
    assert client.get("/health").json()["geoip"] == {
        "city": {
            "loaded": True,
            "database_type": "GeoIP2-City",
            "build_date": "2026-02-04",
            "problem": None,
        },
        "asn": {
            "loaded": True,
            "database_type": "GeoLite2-ASN",
            "build_date": "2026-02-11",
            "problem": None,
        },
    }
    assert geo.locate("81.2.69.142") == geo.Location("GB", "London", 15169, "Google LLC")


# A process that looks addresses up without pause, as a busy worker does; every 200
# lookups it prints the city it finds for the London address.
LOOKER = """
import random, sys
from django.conf import settings
settings.configure(GEOIP_CITY_DB=sys.argv[1], GEOIP_ASN_DB="", GEOIP_CHECK_SECONDS=0.0)
from analytics.clicks import geo
n = 0
while True:
    geo.locate("81.2.%d.%d" % (random.randrange(256), random.randrange(1, 255)))
    n += 1
    if n % 200 == 0:
        print(geo.locate("81.2.69.142").city, flush=True)
"""


class Looker:
    def __init__(self, path):
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", LOOKER, str(path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for answer in self.process.stdout:
            self.lines.put(answer.strip())

    def answers(self, count=5, timeout=10):
        """The next `count` answers after those already printed (fails if it died)."""
        while not self.lines.empty():
            self.lines.get_nowait()
        seen = []
        deadline = time.monotonic() + timeout
        while len(seen) < count:
            try:
                seen.append(self.lines.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                code = self.process.poll()
                died = f"died by {signal.Signals(-code).name}" if code and code < 0 else code
                pytest.fail(f"the looking-up process stopped answering ({died}): {seen}")
        return seen

    def stop(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture
def looker(tmp_path):
    path = write_database(tmp_path / "GeoLite2-City.mmdb", "GeoLite2-City", LONDON)
    looker = Looker(path)
    yield looker, path
    looker.stop()


def test_a_file_truncated_and_rewritten_in_place_never_kills_the_process_looking_it_up(looker):
    looker, path = looker
    assert set(looker.answers()) == {"London"}
    with open(path, "r+b") as file:  # in place: same inode, as `cp` or a careless script
        file.truncate(0)
    assert set(looker.answers()) == {"London"}
    with open(path, "r+b") as file:
        file.write(b"\0" * 50_000)
    assert set(looker.answers()) == {"London"}
    paris = write_database(path.with_suffix(".paris"), "GeoLite2-City", PARIS).read_bytes()
    with open(path, "r+b") as file:
        file.truncate(0)
        file.write(paris)
    assert looker.answers()[-1] == "Paris"
    assert looker.process.poll() is None
