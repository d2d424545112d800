"""Turning a redirect request into a stored click.

`record()` is all the redirect calls: the view and the WSGI fast lane, each with the WSGI
environ (Django's `request.META` is that dict). It builds a Visitor (client IP, capped user
agent and referrer, the bot-signal headers, GeoIP), asks `analytics.bots` for a verdict,
parses browser / OS / device type, and appends the row to the spool (`analytics.spool`),
which loads it into `clicks` within about a second. It never raises: a failure is logged
with every fact needed to replay the click, and the visitor is redirected all the same.
"""

import contextlib
import logging
import os
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings

from macondo.client_ip import client_ip

from . import bots, geo, spool
from .devices import describe_user_agent
from .visitor import SIGNAL_HEADERS, Visitor

logger = logging.getLogger(__name__)

# Bot-signal headers are short in real browsers; a cap keeps a hostile one from bloating rows.
SIGNAL_HEADER_MAX_CHARS = 500
_SIGNAL_META_KEYS = tuple(
    (name, "HTTP_" + name.upper().replace("-", "_")) for name in SIGNAL_HEADERS
)


def header_text(value, max_chars):
    """A header as the client sent it, as text, cut to `max_chars`.

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


def visitor_from_meta(meta, link_id=None):
    """The Visitor of a WSGI environ (or request.META)."""
    ip = client_ip(meta)
    location = geo.locate(ip)
    headers = {}
    for name, key in _SIGNAL_META_KEYS:
        value = meta.get(key)
        if value is not None:
            headers[name] = header_text(value, SIGNAL_HEADER_MAX_CHARS)
    return Visitor(
        user_agent=header_text(meta.get("HTTP_USER_AGENT"), settings.CLICK_USER_AGENT_MAX_CHARS),
        method=(meta.get("REQUEST_METHOD") or "GET").upper(),
        ip=ip,
        referrer=header_text(meta.get("HTTP_REFERER"), settings.CLICK_REFERRER_MAX_CHARS) or None,
        headers=headers,
        country=location.country,
        city=location.city,
        asn_number=location.asn_number,
        asn_org=location.asn_org,
        link_id=link_id,
        timestamp=datetime.now(UTC),
    )


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


def _verdict(visitor):
    try:
        # Bursts are added when the spool writes the click (analytics.bursts.mark_bursts),
        # one Redis round trip per batch instead of one per redirect.
        return bots.judge(visitor)
    except Exception:
        # No verdict is better than no click; `reclassify_clicks` can judge it later.
        logger.exception("bot verdict failed for %r", visitor.user_agent[:200])
        return None


def click_row(visitor):
    try:
        browser, os_family, device = describe_user_agent(visitor.user_agent)
    except Exception:
        logger.exception("user agent not parsed: %r", visitor.user_agent[:200])
        browser = os_family = device = None
    verdict = _verdict(visitor)
    return {
        "id": str(uuid7()),
        "link_id": str(visitor.link_id),
        "timestamp": visitor.timestamp.isoformat(),
        "ip_address": visitor.ip,
        "user_agent": visitor.user_agent,
        "referrer": visitor.referrer,
        "country": visitor.country,
        "city": (visitor.city or "")[:200] or None,
        "is_bot": verdict.is_bot if verdict else False,
        "bot_reason": ((verdict.bot_reason or "")[:200] or None) if verdict else None,
        "bot_score": verdict.score if verdict else None,
        "browser": browser,
        "os": os_family,
        "device_type": device,
        "asn_number": visitor.asn_number,
        "asn_org": (visitor.asn_org or "")[:255] or None,
    }


_SAMPLE_VISIT = {
    "REQUEST_METHOD": "GET",
    "REMOTE_ADDR": "81.2.69.142",
    "HTTP_USER_AGENT": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    ),
    "HTTP_ACCEPT": "text/html",
    "HTTP_ACCEPT_LANGUAGE": "en",
}


def warm_up():
    """Make the first row now, spooling nothing: the verdict compiles its ~3,000 patterns,
    the user-agent parser and the GeoIP readers load (~0.2 s, once per process), so a new
    gunicorn worker does not make its first visitor wait for them. Returns that row."""
    return click_row(
        visitor_from_meta(_SAMPLE_VISIT, link_id="00000000-0000-0000-0000-000000000000")
    )


def _replay_facts(meta, link_id):
    return {
        "link_id": str(link_id),
        "timestamp": datetime.now(UTC).isoformat(),
        "method": meta.get("REQUEST_METHOD"),
        "remote_addr": meta.get("REMOTE_ADDR"),
        "x_forwarded_for": meta.get("HTTP_X_FORWARDED_FOR"),
        "user_agent": header_text(meta.get("HTTP_USER_AGENT"), 2000),
        "referrer": header_text(meta.get("HTTP_REFERER"), 2000),
    }


def record(meta, link_id):
    """Record one click of `link_id` from the request's WSGI environ. Never raises."""
    row = None
    try:
        row = click_row(visitor_from_meta(meta, link_id))
        spool.append(row)
    except Exception:
        try:
            facts = spool.encode(row).decode() if row else repr(_replay_facts(meta, link_id))
        except Exception:
            facts = f"link {link_id}"
        logger.exception("click not recorded, replay with: %s", facts)
