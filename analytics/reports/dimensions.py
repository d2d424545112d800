"""The dimensions a report breaks clicks down by, as SQL expressions over clicks.

The breakdown panels and the rollup (`DailyClientStats`) group by the same expressions.
DIMENSIONS are the human breakdown panels; TRAFFIC_DIMENSIONS the invalid-traffic page's
(networks, datacenter), rolled up beside them and never shown as a breakdown.
"""

from django.db.models import Case, CharField, F, Func, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Concat

# The host of an absolute URL: its scheme, "://", then everything up to the path, query,
# fragment or port. The referrer panel's rule on PostgreSQL and on SQLite (analytics.reports.sqlite).
URL_HOST = "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#:]+)"


class Host(Func):
    """The host of a referrer URL, lower-cased (`https://m.Facebook.com/x` → `m.facebook.com`)."""

    template = f"lower(substring(%(expressions)s from '{URL_HOST}'))"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite has no regular expressions: analytics.reports.sqlite registers this function.
        return super().as_sql(
            compiler, connection, template="macondo_url_host(%(expressions)s)", **extra
        )


class FirstReason(Func):
    """The decisive bot reason: the first of the comma-separated codes."""

    template = "split_part(%(expressions)s, ',', 1)"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        # No split_part in SQLite: the text before the first comma of the codes plus a comma.
        # The argument is compiled once and written out twice with its parameters twice: a
        # template naming %(expressions)s twice would bind its parameters only once.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"substr({sql} || ',', 1, instr({sql} || ',', ',') - 1)", (*params, *params)


class City(Func):
    """“City (CC)”, or the city alone without a country, or NULL without a city."""

    template = (
        "CASE WHEN COALESCE(city, '') = '' THEN NULL "
        "WHEN COALESCE(country, '') = '' THEN city "
        "ELSE city || ' (' || country || ')' END"
    )
    output_field = CharField()

    def __init__(self):
        super().__init__()


DIMENSIONS = {
    "countries": ("Countries", F("country")),
    "cities": ("Cities", City()),
    "browsers": ("Browsers", F("browser")),
    "os": ("Operating systems", F("os")),
    "devices": ("Device types", F("device_type")),
    "referrers": ("Referrers", Host("referrer")),
}


# A click from a datacenter network: the verdict's own evidence, "net:datacenter" among its
# stored codes (stored on human verdicts too). Chosen over `asn_number IN (the ASN list)`:
# the verdict also knows networks by words of their organisation's name
# (datacenters.DATACENTER_ORG_WORDS), which an ASN list misses; and it is decided when the
# click is written and rewritten by reclassify_clicks, like is_bot, so the datacenter share
# and the bot figures always rest on the same judgement. No other code contains the text.
DATACENTER = Q(bot_reason__contains="net:datacenter")


def network():
    """A click's network as "ASN|organisation" ("16509|AMAZON-02"; either side may be
    empty), NULL when neither is known. The number never holds a "|": the first one
    splits (network_of)."""
    return Case(
        When(asn_number__isnull=True, asn_org__isnull=True, then=Value(None)),
        default=Concat(
            Coalesce(Cast("asn_number", CharField()), Value("")),
            Value("|"),
            Coalesce("asn_org", Value("")),
        ),
        output_field=CharField(),
    )


def network_of(value):
    """(asn number or None, organisation) of a `network()` value."""
    number, _, org = (value or "").partition("|")
    return (int(number) if number.isdigit() else None), org


TRAFFIC_DIMENSIONS = {
    "networks": ("Networks", network()),
    "datacenter": (
        "From a datacenter",
        Case(When(DATACENTER, then=Value("yes")), default=Value("no"), output_field=CharField()),
    ),
}


def dimension_expression(dimension):
    """The SQL expression of a dimension's value over clicks (the rollup uses it too)."""
    if dimension == "bot_reasons":
        return FirstReason(Coalesce("bot_reason", Value("unknown")))
    if dimension in TRAFFIC_DIMENSIONS:
        return TRAFFIC_DIMENSIONS[dimension][1]
    return DIMENSIONS[dimension][1]
