"""The GeoIP test databases are what MaxMind's readers expect of GeoLite2 files."""

from datetime import UTC, date, datetime

import geoip2.database
import geoip2.errors
import maxminddb
import pytest

from analytics.tests.geoip_files import (
    asn,
    city,
    write_asn,
    write_city,
    write_corrupt_city,
    write_country,
    write_truncated,
)


def built_on(reader):
    return datetime.fromtimestamp(reader.metadata().build_epoch, UTC).date()


def test_a_city_database_reads_as_geolite2_city_with_its_build_date(tmp_path):
    path = write_city(
        tmp_path / "city.mmdb",
        {"192.0.2.0/24": city("GB", "London"), "2001:db8::/32": city("JP")},
        built=date(2025, 3, 9),
    )
    with geoip2.database.Reader(path) as reader:
        assert reader.metadata().database_type == "GeoLite2-City"
        assert built_on(reader) == date(2025, 3, 9)
        london = reader.city("192.0.2.77")
        assert (london.country.iso_code, london.city.name) == ("GB", "London")
        assert str(london.traits.network) == "192.0.2.0/24"
        assert reader.city("2001:db8::1").country.iso_code == "JP"
        with pytest.raises(geoip2.errors.AddressNotFoundError):
            reader.city("198.51.100.1")


def test_a_country_database_reads_as_geolite2_country(tmp_path):
    path = write_country(tmp_path / "country.mmdb", {"198.51.100.0/24": city("SE")})
    with geoip2.database.Reader(path) as reader:
        assert reader.metadata().database_type == "GeoLite2-Country"
        assert reader.country("198.51.100.1").country.iso_code == "SE"
        with pytest.raises(TypeError):
            reader.city("198.51.100.1")


def test_an_asn_database_reads_as_geolite2_asn(tmp_path):
    path = write_asn(tmp_path / "asn.mmdb", {"203.0.113.0/24": asn(4_200_000_000, "Big Number")})
    with geoip2.database.Reader(path) as reader:
        assert reader.metadata().database_type == "GeoLite2-ASN"
        record = reader.asn("203.0.113.5")
        assert (record.autonomous_system_number, record.autonomous_system_organization) == (
            4_200_000_000,
            "Big Number",
        )


def test_the_corrupt_database_opens_but_fails_every_lookup_of_a_known_network(tmp_path):
    path = write_corrupt_city(tmp_path / "broken.mmdb", {"192.0.2.0/24": city("GB")})
    with maxminddb.open_database(path) as reader:
        assert reader.metadata().database_type == "GeoLite2-City"
        with pytest.raises(maxminddb.InvalidDatabaseError):
            reader.get("192.0.2.1")


def test_the_truncated_database_does_not_open(tmp_path):
    path = write_truncated(tmp_path / "cut.mmdb", {"192.0.2.0/24": city("GB")})
    with pytest.raises(maxminddb.InvalidDatabaseError):
        maxminddb.open_database(path)
