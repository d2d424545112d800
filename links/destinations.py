"""Destination-URL rules: the one place that decides which URLs a short link may point to.

A destination is stored normalised to ASCII (IDN host in punycode, other non-ASCII
characters percent-encoded) so the redirect can send it as a Location header unchanged.
"""

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ShownDestination:
    """A destination as the dashboard shows it: `text` as a person reads it and, when its
    host mixes scripts (a look-alike such as "аррӏе.com"), that host as it reads and as it
    really is (punycode), and the scripts it mixes."""

    text: str
    punycode_host: str = ""
    readable_host: str = ""
    scripts: tuple = ()


def shown_destination(url):
    """The ShownDestination of a stored (ASCII) destination URL."""
    text = display_url(url)
    try:
        host = urlsplit(url).hostname or ""
        readable = idna.decode(host) if "xn--" in host else host
    except (ValueError, idna.IDNAError):
        return ShownDestination(text)
    scripts = host_scripts(readable)
    if not mixes_scripts(scripts):
        return ShownDestination(text)
    return ShownDestination(text, host, readable, tuple(sorted(scripts)))


# What Unicode's UTS #39 accepts at its "moderately restrictive" level: one script; Latin
# with Han and the Japanese, Chinese or Korean scripts (as in 例え.jp); or Latin with one
# other script, unless that is Cyrillic or Greek, whose letters copy Latin ones.
_SCRIPTS_USED_TOGETHER = (
    {"Latin", "Han", "Hiragana", "Katakana"},
    {"Latin", "Han", "Bopomofo"},
    {"Latin", "Han", "Hangul"},
)
_LOOK_ALIKES_OF_LATIN = {"Cyrillic", "Greek"}
_SCRIPT_OF_NAME_WORD = {"CJK": "Han", "IDEOGRAPHIC": "Han"}


def host_scripts(host):
    """The scripts of a host's letters ("аррӏе.com": Cyrillic and Latin).

    Coarse but small: a letter's script is the first word of its Unicode name ("CYRILLIC
    SMALL LETTER A" is Cyrillic), which is the script's own name for the scripts domains
    are written in; CJK ideographs are named "CJK …" and counted as Han. Modifier letters
    (mostly script-neutral, like Japanese ー), digits and hyphens are left out."""
    scripts = set()
    for char in host:
        if unicodedata.category(char) in ("Lu", "Ll", "Lt", "Lo"):
            word = re.split("[ -]", unicodedata.name(char, ""))[0]
            scripts.add(_SCRIPT_OF_NAME_WORD.get(word, word.title()))
    return scripts


def mixes_scripts(scripts):
    """Whether a host's scripts mix the way look-alikes do (see _SCRIPTS_USED_TOGETHER).

    The whole host counts, not each label alone: a label that mixes scripts ("pаypal",
    with a Cyrillic "а") and a label in another script than the rest ("аррӏе" under
    ".com", every letter Cyrillic) are both the look-alike trick. A name wholly in one
    script ("пример.рф", "bücher.example") is not mixed; a Cyrillic or Greek name under a
    Latin top-level domain is, which costs its reader a glance at the punycode."""
    if len(scripts) <= 1 or any(scripts <= used for used in _SCRIPTS_USED_TOGETHER):
        return False
    others = scripts - {"Latin"}
    return len(others) > 1 or "Latin" not in scripts or bool(others & _LOOK_ALIKES_OF_LATIN)


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
