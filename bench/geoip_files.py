"""GeoIP databases for the benchmarks, written by the same code as the tests' (no file from
outside the repository): one network per /8 that client addresses are drawn from, so every
click is located and carries an ASN, as with a full GeoLite2 file."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_geoip(folder):
    """City and ASN databases in `folder`; returns their paths (city, asn)."""
    sys.path.insert(0, str(ROOT))
    from analytics.tests.geoip_files import asn, city, write_asn, write_city

    folder = Path(folder)
    places = [("GB", "London"), ("SE", "Linköping"), ("US", "Milton"), ("JP", "Tokyo")]
    octets = [n for n in range(1, 224) if n not in (10, 127)]
    city_path, asn_path = folder / "city.mmdb", folder / "asn.mmdb"
    write_city(city_path, {f"{n}.0.0.0/8": city(*places[n % len(places)]) for n in octets})
    write_asn(asn_path, {f"{n}.0.0.0/8": asn(64500 + n, f"Bench AS{n}") for n in octets})
    return city_path, asn_path
