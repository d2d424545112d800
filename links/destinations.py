"""Destination-URL rules: the one place that decides which URLs a short link may point to.

A destination is stored normalised to ASCII (IDN host in punycode, other non-ASCII
characters percent-encoded) so the redirect can send it as a Location header unchanged.
"""

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

import idna
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.encoding import iri_to_uri
from django.utils.http import is_same_domain

# Browsers and proxies handle far longer URLs, but a destination longer than this is almost
# always a pasted mistake (or an attempt to smuggle data), and it has to fit in a QR code.
MAX_URL_LENGTH = 2048
_ALLOWED_SCHEMES = ("http", "https")
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029\u200b\ufeff]")
_validate_url = URLValidator(schemes=list(_ALLOWED_SCHEMES))


def _error(message, code):
    return ValidationError(message, code=code)


def app_host_patterns():
    """Every host this app answers to, spelt as `host_key` spells a host: the short-link
    hosts and ALLOWED_HOSTS, ports dropped. A leading dot keeps Django's meaning (the domain
    and all its subdomains). `*` (any host) is left out: it cannot refuse every
    destination, so with it only the hosts named explicitly count."""
    entries = [
        urlsplit(settings.SHORT_LINK_BASE_URL).hostname or "",
        *getattr(settings, "SHORT_LINK_EXTRA_HOSTS", []),
        *settings.ALLOWED_HOSTS,
    ]
    patterns = set()
    for entry in entries:
        entry = entry.strip()
        subdomains = entry.startswith(".")
        try:
            host = urlsplit("//" + entry.removeprefix(".")).hostname
        except ValueError:  # e.g. an unclosed "[::1"
            continue
        key = host_key(host or "") if entry != "*" else None
        if key:
            patterns.add("." + key if subdomains else key)
    return patterns


def host_key(host):
    """A host as Django compares it with ALLOWED_HOSTS, whatever its spelling: lower case,
    no trailing dot, IDN in punycode, an IP address in its canonical form (no brackets);
    None when it cannot be a host."""
    host = host.strip().lower().rstrip(".")
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).compressed
    except ValueError:
        pass
    if host.isascii():
        return host or None
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return None


def points_at_app(host):
    """Whether a destination on `host` would come back to this app (a redirect loop)."""
    key = host_key(host)
    return key is not None and any(is_same_domain(key, p) for p in app_host_patterns())


def normalize_destination(raw):
    """Validate a destination URL and return its normalised ASCII form.

    Raises ValidationError with a message a person can act on.
    """
    if not isinstance(raw, str):
        raise _error("Enter a URL.", "invalid")
    url = raw.strip()
    if not url:
        raise _error("Enter the destination URL.", "required")
    if len(url) > MAX_URL_LENGTH:
        raise _error(
            f"The URL is {len(url)} characters long; the limit is {MAX_URL_LENGTH}.", "too_long"
        )
    if _FORBIDDEN_CHARS.search(url):
        raise _error("The URL contains spaces or control characters.", "whitespace")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _error("This is not a valid URL.", "invalid") from None
    scheme = parts.scheme.lower()
    if scheme not in _ALLOWED_SCHEMES:
        if scheme:
            raise _error(f"Only http and https links are allowed, not “{scheme}:”.", "scheme")
        raise _error("Enter a full URL starting with https:// or http://.", "scheme")
    if parts.username is not None or parts.password is not None:
        raise _error("URLs with a user name or password in them are not allowed.", "credentials")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _error("The URL has no host name.", "host")
    try:
        ascii_host = host if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise _error(f"“{host}” is not a valid domain name.", "host") from None
    if points_at_app(ascii_host):
        raise _error(
            f"This URL points at this app itself ({ascii_host.lower()} is one of the hosts it "
            "answers to), which would redirect in a loop.",
            "loop",
        )
    netloc = ascii_host.lower()
    if ":" in netloc:  # an IPv6 literal
        netloc = f"[{netloc}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    normalized = iri_to_uri(urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment)))
    if len(normalized) > MAX_URL_LENGTH:
        raise _error(
            f"The URL is longer than {MAX_URL_LENGTH} characters once encoded.", "too_long"
        )
    try:
        _validate_url(normalized)
    except ValidationError:
        raise _error("This is not a valid URL.", "invalid") from None
    return normalized


def display_url(url):
    """The destination as a person reads it: an IDN host shown in its own script."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if "xn--" not in host:
            return url
        return url.replace(host, idna.decode(host), 1)
    except (ValueError, idna.IDNAError):
        return url
