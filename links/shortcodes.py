"""Short-code rules: the alphabet, generated codes, custom aliases, reserved words.

Codes are case-sensitive: `Promo` and `promo` are two codes, matched exactly, as the
existing system did (its unique index is case-sensitive, and imported codes keep their
spelling). A new custom alias that differs from an existing code only in case is still
refused, because a person reading a poster cannot tell them apart.
"""

import re
import secrets

from django.core.exceptions import ValidationError

# Generated codes: letters and digits without look-alikes (0/O/o, 1/l/I).
GENERATED_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
GENERATED_LENGTH = 7

ALIAS_MIN_LENGTH = 3
ALIAS_MAX_LENGTH = 50
_ALIAS_RE = re.compile(r"[A-Za-z0-9_-]+")

# What a code in a request path may look like: any code we generate, any alias, and the
# URL-safe codes of the existing system. Anything else is a 404 without a database query.
MAX_CODE_LENGTH = 100
CODE_RE = re.compile(rf"[A-Za-z0-9._~-]{{1,{MAX_CODE_LENGTH}}}")

# First path segments the app uses itself (or may use), compared case-insensitively.
RESERVED_WORDS = frozenset(
    {
        "about",
        "accounts",
        "admin",
        "api",
        "apple-touch-icon.png",
        "assets",
        "campaigns",
        "clients",
        "dashboard",
        "exports",
        "favicon.ico",
        "health",
        "healthz",
        "help",
        "links",
        "login",
        "logout",
        "media",
        # Shared report pages live under /r/ (sharing/urls.py).
        "r",
        "metrics",
        "reports",
        "robots.txt",
        "settings",
        "sitemap.xml",
        "static",
        "tags",
        "tools",
        "whatsapp",
        "well-known",
        ".well-known",
    }
)


def generate_code(length=GENERATED_LENGTH):
    return "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(length))


def looks_like_code(value):
    """Cheap syntactic check for the redirect path (no database)."""
    return bool(CODE_RE.fullmatch(value))


def validate_alias(alias):
    """Raise ValidationError unless `alias` is an acceptable custom short code."""
    if not (ALIAS_MIN_LENGTH <= len(alias) <= ALIAS_MAX_LENGTH):
        raise ValidationError(
            f"An alias has {ALIAS_MIN_LENGTH} to {ALIAS_MAX_LENGTH} characters "
            f"(this one has {len(alias)}).",
            code="alias_length",
        )
    if not _ALIAS_RE.fullmatch(alias):
        raise ValidationError(
            "An alias may only contain letters, digits, “-” and “_”.", code="alias_characters"
        )
    if alias.lower() in RESERVED_WORDS:
        raise ValidationError(
            f"“{alias}” is reserved for the app's own pages; choose another alias.",
            code="alias_reserved",
        )
