"""The dimensions a report breaks clicks down by, as SQL expressions over clicks.

The breakdown panels and the rollup (`DailyClientStats`) group by the same expressions.
"""

from django.db.models import CharField, F, Func, Value
from django.db.models.functions import Coalesce

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


def dimension_expression(dimension):
    """The SQL expression of a dimension's value over clicks (the rollup uses it too)."""
    if dimension == "bot_reasons":
        return FirstReason(Coalesce("bot_reason", Value("unknown")))
    return DIMENSIONS[dimension][1]
