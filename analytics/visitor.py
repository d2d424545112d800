"""What the redirect knows about one visit, as a small value object.

`analytics.tracking` builds it from the request's WSGI environ (client IP, capped user agent and referrer,
GeoIP/ASN) and every later step (bot verdict, the click row) reads only this object, so
the verdict can also be re-run on stored clicks (`reclassify_clicks`) and on plain user-agent
strings (`classify_ua`).
"""

from dataclasses import dataclass, field
from datetime import datetime

# Request headers the bot verdict reads, lower-case, as they arrive from the client.
SIGNAL_HEADERS = (
    "accept",
    "accept-language",
    "sec-fetch-site",
    "sec-fetch-mode",
    "sec-fetch-dest",
    "sec-fetch-user",
    "sec-ch-ua",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
    "purpose",
    "x-purpose",
    "sec-purpose",
    "x-moz",
)


@dataclass(frozen=True)
class Visitor:
    user_agent: str = ""
    method: str = "GET"
    ip: str | None = None
    referrer: str | None = None
    # Only the SIGNAL_HEADERS that were sent, keys lower-case. None: unknown (stored clicks,
    # classify_ua), which the verdict must treat as "no evidence", not as "missing".
    headers: dict[str, str] | None = field(default=None)
    country: str | None = None
    city: str | None = None
    asn_number: int | None = None
    asn_org: str | None = None
    link_id: object | None = None
    timestamp: datetime | None = None
