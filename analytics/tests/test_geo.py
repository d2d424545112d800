import logging
import shutil

import pytest

from analytics import geo
from analytics.tests.geoip_files import GEOIP

CITY = f"{GEOIP}/GeoLite2-City-Test.mmdb"
ASN = f"{GEOIP}/GeoLite2-ASN-Test.mmdb"
BROKEN = f"{GEOIP}/GeoIP2-City-Test-Broken-Double-Format.mmdb"


@pytest.fixture
def geoip(settings):
    settings.GEOIP_CITY_DB = CITY
    settings.GEOIP_ASN_DB = ASN
    return settings


def test_a_known_address_gets_country_and_city(geoip):
    location = geo.locate("81.2.69.142")
    assert (location.country, location.city) == ("GB", "London")


def test_a_known_network_gets_its_asn(geoip):
    location = geo.locate("1.0.0.1")
    assert (location.asn_number, location.asn_org) == (15169, "Google Inc.")


def test_an_ipv6_address_is_located(geoip):
    assert geo.locate("2001:218::1").country == "JP"


@pytest.mark.parametrize("address", ["1.2.3.4", "10.0.0.1", "127.0.0.1", "::1", "", None, "nope"])
def test_unknown_private_or_invalid_addresses_get_empty_fields(geoip, address):
    assert geo.locate(address) == geo.NOWHERE


def test_each_database_is_opened_once_per_process(geoip):
    geo.locate("81.2.69.142")
    reader = geo._database("city").reader
    geo.locate("89.160.20.112")
    assert geo._database("city").reader is reader


@pytest.mark.parametrize(
    "path_of", [lambda tmp: str(tmp / "missing.mmdb"), lambda tmp: str(tmp / "junk.mmdb")]
)
def test_a_missing_or_unreadable_file_gives_empty_fields_and_one_warning(
    settings, tmp_path, caplog, path_of
):
    (tmp_path / "junk.mmdb").write_bytes(b"not a maxmind database" * 100)
    settings.GEOIP_CITY_DB = path_of(tmp_path)
    settings.GEOIP_ASN_DB = ""
    with caplog.at_level(logging.WARNING, logger="analytics.geo"):
        assert geo.locate("81.2.69.142") == geo.NOWHERE
        assert geo.locate("89.160.20.112") == geo.NOWHERE
    assert len(caplog.records) == 1


def test_a_corrupt_data_section_gives_empty_fields_and_one_warning(settings, tmp_path, caplog):
    broken = tmp_path / "broken.mmdb"
    shutil.copy(BROKEN, broken)
    settings.GEOIP_CITY_DB = str(broken)
    settings.GEOIP_ASN_DB = ASN
    with caplog.at_level(logging.WARNING, logger="analytics.geo"):
        assert geo.locate("81.2.69.142").country is None
        assert geo.locate("2001:218::1").country is None
        assert geo.locate("1.0.0.1").asn_number == 15169
    assert len(caplog.records) == 1


def test_no_configured_database_is_silent(settings, caplog):
    settings.GEOIP_CITY_DB = ""
    settings.GEOIP_ASN_DB = ""
    assert geo.locate("81.2.69.142") == geo.NOWHERE
    assert not caplog.records
