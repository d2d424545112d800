"""Making, finding and revoking share links; the period a shared page reports on."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import F
from django.utils import timezone

from analytics.reports.periods import Period, day_start, last_days
from links.models import Campaign, Client, Link

from .models import SECTIONS, ShareLink

# secrets.token_urlsafe(32): 43 characters of [A-Za-z0-9_-], 256 random bits.
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def share_url(token):
    """The public address of a share link, on the short-link domain."""
    return f"{settings.SHORT_LINK_BASE_URL.rstrip('/')}/r/{token}"


def _subject_fields(subject):
    if isinstance(subject, Link):
        return {"client_id": subject.client_id, "campaign_id": None, "link": subject}
    if isinstance(subject, Campaign):
        return {"client_id": subject.client_id, "campaign": subject, "link": None}
    if isinstance(subject, Client):
        return {"client": subject, "campaign": None, "link": None}
    raise TypeError(f"cannot share a report of {type(subject).__name__}")


def create_share(
    subject,
    *,
    created_by=None,
    sections=tuple(SECTIONS),
    rolling_days=30,
    start_day=None,
    end_day=None,
    expires_at=None,
    password="",
    title="",
):
    """A new share link of `subject`'s report: (ShareLink, token). The token is not stored
    (only its hash): this is the one moment it can be read, e.g. to build `share_url`.

    A fixed range (`start_day`, `end_day`) replaces the rolling one."""
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown sections: {sorted(unknown)}")
    if start_day is not None:
        rolling_days = None
        end_day = end_day or start_day
    token = secrets.token_urlsafe(TOKEN_BYTES)
    share = ShareLink.objects.create(
        token_hash=token_hash(token),
        sections=[s for s in SECTIONS if s in sections],
        rolling_days=rolling_days,
        start_day=start_day,
        end_day=end_day if start_day is not None else None,
        expires_at=expires_at,
        password=make_password(password) if password else "",
        title=title,
        created_by=created_by,
        **_subject_fields(subject),
    )
    return share, token


def find_share(token):
    """The share link of `token`, revoked and expired ones included, or None.

    A token of the wrong shape costs no query; any other costs one unique-index lookup."""
    if len(token) != TOKEN_LENGTH or not _TOKEN_ALPHABET.issuperset(token):
        return None
    return (
        ShareLink.objects.select_related("client", "campaign", "link")
        .filter(token_hash=token_hash(token))
        .first()
    )


def revoke(share, now=None):
    """Close the link for good: its page answers 410 from the next request on."""
    if share.revoked_at is None:
        share.revoked_at = now or timezone.now()
        ShareLink.objects.filter(pk=share.pk, revoked_at__isnull=True).update(
            revoked_at=share.revoked_at
        )
    return share


def record_view(share, now=None):
    now = now or timezone.now()
    ShareLink.objects.filter(pk=share.pk).update(views=F("views") + 1, last_viewed_at=now)


def period_of(share, now=None):
    """The Period a shared page shows now: the rolling window, or the fixed days."""
    now = now or timezone.now()
    if share.rolling_days:
        return last_days(share.rolling_days, now)
    end = min(day_start(share.end_day + timedelta(days=1)), now)
    start = day_start(share.start_day)
    return Period(start, max(end, start))


def range_label(share):
    if share.rolling_days:
        return f"Last {share.rolling_days} days"
    if share.start_day == share.end_day:
        return f"{share.start_day:%d %b %Y}"
    return f"{share.start_day:%d %b %Y} – {share.end_day:%d %b %Y}"
