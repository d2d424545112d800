"""Raw clicks of a scope and period, for download: as CSV bytes or as row tuples."""

from macondo.downloads import queryset_csv

RAW_COLUMNS = (
    "timestamp",
    "link__short_code",
    "is_bot",
    "bot_reason",
    "country",
    "city",
    "browser",
    "os",
    "device_type",
    "referrer",
    "ip_address",
    "user_agent",
)


# The raw columns for people who may not see visitors' IP addresses (accounts.policy).
RAW_COLUMNS_WITHOUT_IPS = tuple(c for c in RAW_COLUMNS if c != "ip_address")


def raw_clicks_csv(scope, period, block_size=64 * 1024, columns=RAW_COLUMNS):
    """The raw clicks of a scope and period as CSV bytes (no header), oldest first, in
    blocks of about `block_size`, written by PostgreSQL itself where it can (see
    macondo.downloads.queryset_csv): flat memory for millions of rows."""
    yield from queryset_csv(_raw_clicks(scope, period), columns, block_size)


def raw_clicks(scope, period, chunk_size=5000):
    """Raw click rows (tuples in RAW_COLUMNS order), oldest first, from a server-side
    cursor: memory stays bounded however many rows the period holds."""
    return _raw_clicks(scope, period).values_list(*RAW_COLUMNS).iterator(chunk_size=chunk_size)


def _raw_clicks(scope, period):
    return (
        scope.clicks()
        .filter(timestamp__gte=period.start, timestamp__lt=period.end)
        .order_by("timestamp")
    )
