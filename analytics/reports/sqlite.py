"""SQL functions the quick start's SQLite lacks, added to each of its connections.

PostgreSQL computes these in SQL (analytics.reports.dimensions); SQLite calls back into Python with the
same rule, so a report and its rollups read the same values on both databases.
"""

import re

from analytics.reports.dimensions import URL_HOST

_URL_HOST = re.compile(URL_HOST)


def url_host(url):
    """The lower-cased host of an absolute URL, or None (PostgreSQL's regex substring)."""
    match = _URL_HOST.match(url) if isinstance(url, str) else None
    return match.group(1).lower() if match else None


def add_functions(sender, connection, **kwargs):
    """connection_created receiver: register the functions on a new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("macondo_url_host", 1, url_host, deterministic=True)
