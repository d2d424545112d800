"""How a report's stored values read to a person: country names for ISO codes, "City,
Country" for the stored "City (CC)". Pages and emails show these; the report CSV keeps
the stored values, which programs read.

Countries come from pycountry (ISO 3166-1, maintained with the standard): its common name
where it has one ("South Korea", "Bolivia", "Taiwan"), else the ISO short name.
"""

import re
from functools import lru_cache

import pycountry

UNKNOWN = "(unknown)"

# Codes GeoLite2 uses that ISO 3166-1 has not assigned.
_NOT_IN_ISO = {"XK": "Kosovo"}

# The city dimension's stored value (analytics.reports.dimensions.City): "Medellín (CO)".
_CITY_WITH_COUNTRY = re.compile(r"^(?P<city>.+) \((?P<code>[A-Z]{2})\)$")


@lru_cache(maxsize=512)
def _country(code):
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return _NOT_IN_ISO.get(code, code)
    return getattr(country, "common_name", None) or country.name


def country_name(code):
    """The name of an ISO country code, CO → Colombia; a code ISO does not know stays as
    it is; no code, "(unknown)"."""
    if not code:
        return UNKNOWN
    return _country(code.upper())


def split_city(value):
    """(city, country code or None) of a stored city value."""
    match = _CITY_WITH_COUNTRY.match(value or "")
    if match:
        return match["city"], match["code"]
    return value or None, None


def city_label(value):
    """A stored city as a person reads it, Medellín (CO) → Medellín, Colombia; a city
    without a country as it is; no city, "(unknown)"."""
    city, code = split_city(value)
    if not city:
        return UNKNOWN
    return f"{city}, {country_name(code)}" if code else city
