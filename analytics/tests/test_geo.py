import logging

import pytest

from analytics.clicks import geo
from analytics.tests.geoip_files import (
    asn,
    city,
    write_asn,
    write_city,
    write_corrupt_city,
    write_truncated,
)

CITIES = {
    "192.0.2.0/24": city("GB", "London"),
    "198.51.100.0/25": city("SE", "Linköping"),
    "2001:db8::/32": city("JP"),
}
NETWORKS = {
    "192.0.2.0/24": asn(64500, "Example Transit Ltd"),
    "203.0.113.0/24": asn(64501, "Example Hosting"),
}


@pytest.fixture
def geoip(settings, tmp_path):
    settings.GEOIP_CITY_DB = write_city(tmp_path / "city.mmdb", CITIES)
    settings.GEOIP_ASN_DB = write_asn(tmp_path / "asn.mmdb", NETWORKS)
    return settings


@pytest.mark.parametrize(
    ("address", "country", "city_name"),
    [
        ("192.0.2.1", "GB", "London"),
        ("192.0.2.254", "GB", "London"),
        ("198.51.100.127", "SE", "Linköping"),
        ("2001:db8:85a3::8a2e:370:7334", "JP", None),
    ],
)
def test_an_address_in_a_known_network_gets_its_country_and_city(
    geoip, address, country, city_name
):
    location = geo.locate(address)
    assert (location.country, location.city) == (country, city_name)


def test_a_known_network_gets_its_asn(geoip):
    location = geo.locate("203.0.113.9")
    assert (location.asn_number, location.asn_org) == (64501, "Example Hosting")
    assert location.country is None


@pytest.mark.parametrize(
    "address", ["198.51.100.128", "1.2.3.4", "10.0.0.1", "127.0.0.1", "::1", "", None, "nope"]
)
def test_unknown_private_or_invalid_addresses_get_empty_fields(geoip, address):
    assert geo.locate(address) == geo.NOWHERE


def test_each_database_is_opened_once_per_process(geoip):
    geo.locate("192.0.2.1")
    reader = geo._database("city").reader
    geo.locate("198.51.100.1")
    assert geo._database("city").reader is reader


@pytest.mark.parametrize("kind", ["missing", "junk", "truncated"])
def test_a_missing_or_unreadable_file_gives_empty_fields_and_one_warning(
    settings, tmp_path, caplog, kind
):
    path = tmp_path / f"{kind}.mmdb"
    if kind == "junk":
        path.write_bytes(b"not a maxmind database" * 100)
    elif kind == "truncated":
        write_truncated(path, CITIES)
    settings.GEOIP_CITY_DB = str(path)
    settings.GEOIP_ASN_DB = ""
    with caplog.at_level(logging.WARNING, logger="analytics.clicks.geo"):
        assert geo.locate("192.0.2.1") == geo.NOWHERE
        assert geo.locate("198.51.100.1") == geo.NOWHERE
    assert len(caplog.records) == 1


def test_a_corrupt_data_section_gives_empty_fields_and_one_warning(settings, tmp_path, caplog):
    settings.GEOIP_CITY_DB = write_corrupt_city(tmp_path / "broken.mmdb", CITIES)
    settings.GEOIP_ASN_DB = write_asn(tmp_path / "asn.mmdb", NETWORKS)
    with caplog.at_level(logging.WARNING, logger="analytics.clicks.geo"):
        assert geo.locate("192.0.2.1").country is None
        assert geo.locate("2001:db8::1").country is None
        assert geo.locate("192.0.2.1").asn_number == 64500
    assert len(caplog.records) == 1
    assert "failed a lookup" in caplog.records[0].getMessage()


def test_no_configured_database_is_silent(settings, caplog):
    settings.GEOIP_CITY_DB = ""
    settings.GEOIP_ASN_DB = ""
    assert geo.locate("192.0.2.1") == geo.NOWHERE
    assert not caplog.records
