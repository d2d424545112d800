"""One click as the visitor sent it: the value object of the whole click pipeline.

The redirect builds a Visit from the WSGI environ (`Visit.from_environ`) and appends it to
the spool; the loader reads the same Visits back (`Visit.decode`) and turns a batch of them
into rows (`analytics.clicks.loader`). Nothing is judged, parsed or cut for storage here: the
verdict reads what the visitor sent (the whole user agent, its raw bytes, the headers), and
the loader cuts what it stores to the model's caps.

Header values stay as WSGI hands them over: text whose characters are the bytes received
(latin-1), so invalid UTF-8 is still visible to the verdict. Each is kept up to
SENT_MAX_CHARS, a safety cap for the spool only: gunicorn refuses header lines longer than
8,190 bytes (`limit_request_field_size`), so behind it nothing is ever cut.
"""

import contextlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from macondo.client_ip import client_ip

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
_SIGNAL_KEYS = tuple((name, "HTTP_" + name.upper().replace("-", "_")) for name in SIGNAL_HEADERS)
SENT_MAX_CHARS = 8192
_ENCODER = json.JSONEncoder(separators=(",", ":"))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Visit:
    id: str | None = None  # a UUID, given when the click is spooled: loading is idempotent
    link_id: str | None = None
    timestamp: datetime | None = None  # when the redirect answered (aware, UTC)
    ip: str | None = None  # macondo.client_ip's answer, anonymised when ANONYMIZE_IP
    method: str = "GET"
    user_agent: str = ""
    referrer: str | None = None
    # Only the SIGNAL_HEADERS that were sent. None: unknown (stored clicks, classify_ua),
    # which the verdict must treat as "no evidence", not as "missing".
    headers: dict[str, str] | None = None
    scanned: bool = False  # the short URL of the link's QR code (links.querystrings)

    @classmethod
    def from_environ(cls, environ, link_id, scanned=False):
        """The Visit of a WSGI environ (or Django's request.META, the same dict)."""
        headers = {}
        for name, key in _SIGNAL_KEYS:
            value = environ.get(key)
            if value is not None:
                headers[name] = value[:SENT_MAX_CHARS]
        referrer = environ.get("HTTP_REFERER")
        return cls(
            id=str(uuid7()),
            link_id=str(link_id),
            timestamp=datetime.now(UTC),
            ip=client_ip(environ),
            method=(environ.get("REQUEST_METHOD") or "GET").upper(),
            user_agent=(environ.get("HTTP_USER_AGENT") or "")[:SENT_MAX_CHARS],
            referrer=referrer[:SENT_MAX_CHARS] if referrer else None,
            headers=headers,
            scanned=scanned,
        )

    def encode(self):
        """The spool line: one JSON object and a newline. JSON escapes every newline and
        non-ASCII character, so a line is one line whatever the visitor sent. The time is
        whole microseconds since the epoch (exact, and cheaper than ISO text both ways)."""
        fields = {
            "id": self.id,
            "link_id": self.link_id,
            "time_us": (self.timestamp - _EPOCH) // _MICROSECOND,
            "ip": self.ip,
            "method": self.method,
            "user_agent": self.user_agent,
            "referrer": self.referrer,
            "headers": self.headers,
        }
        if self.scanned:  # absent on ordinary clicks, as on every line spooled before
            fields["qr"] = True
        return _ENCODER.encode(fields).encode() + b"\n"

    @classmethod
    def decode(cls, line):
        """The Visit of a spool line; ValueError if the line is not one."""
        try:
            fields = json.loads(line)
        except UnicodeDecodeError as error:
            raise ValueError(str(error)) from None
        if not isinstance(fields, dict):
            raise ValueError("not a JSON object")
        if "ip_address" in fields:
            fields = _from_a_row(fields)
        visit = cls(
            id=str(uuid.UUID(_text(fields, "id"))),
            link_id=str(uuid.UUID(_text(fields, "link_id"))),
            timestamp=_instant(fields.get("time_us")),
            ip=_text(fields, "ip", optional=True),
            method=_text(fields, "method", optional=True) or "GET",
            user_agent=_text(fields, "user_agent", optional=True) or "",
            referrer=_text(fields, "referrer", optional=True),
            headers=fields.get("headers"),
            scanned=fields.get("qr") is True,
        )
        headers = visit.headers
        if headers is not None and not (
            isinstance(headers, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
        ):
            raise ValueError("headers: not an object of strings")
        return visit


def _text(fields, name, optional=False):
    value = fields.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name}: not a string")
    return value


def _instant(value):
    if type(value) is int:
        try:
            return _EPOCH + timedelta(microseconds=value)
        except OverflowError:
            raise ValueError("time_us: out of range") from None
    if not isinstance(value, str):
        raise ValueError("time_us: not an integer")
    moment = datetime.fromisoformat(value)  # a line of the previous version
    if moment.tzinfo is None:
        raise ValueError("timestamp: no UTC offset")
    return moment.astimezone(UTC)


def _from_a_row(row):
    """A line spooled by the version before Visits (a finished click row): what it kept of
    the request. Its headers were not kept, which the verdict reads as no evidence."""
    return {
        "id": row.get("id"),
        "link_id": row.get("link_id"),
        "time_us": row.get("timestamp"),
        "ip": row.get("ip_address"),
        "method": "GET",
        "user_agent": row.get("user_agent"),
        "referrer": row.get("referrer"),
        "headers": None,
    }


def uuid7():
    """A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then random.

    New click ids land at the right edge of the primary-key index instead of on a random
    page of it, which keeps PostgreSQL's work per loaded click low as `clicks` grows.
    """
    milliseconds = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (
        (milliseconds & (2**48 - 1)) << 80
        | 0x7 << 76
        | (random_bits >> 68) << 64
        | 0b10 << 62
        | random_bits & (2**62 - 1)
    )
    return uuid.UUID(int=value)


def stored_text(value, max_chars):
    """A header as text for storage, cut to `max_chars`.

    WSGI hands headers over as latin-1 decoded bytes; browsers send UTF-8, so decode that
    way, replacing invalid bytes with U+FFFD. NUL is replaced too: PostgreSQL text cannot
    hold it.
    """
    if not value:
        return ""
    if not value.isascii():  # ASCII (nearly every header) is the same in both encodings
        value = value[: max_chars * 4]  # UTF-8 needs at most 4 bytes per character
        # A UnicodeEncodeError means it is already real text (a test client, an ASGI server).
        with contextlib.suppress(UnicodeEncodeError):
            value = value.encode("latin-1").decode("utf-8", errors="replace")
    value = value[:max_chars]
    return value.replace("\x00", "\ufffd") if "\x00" in value else value
