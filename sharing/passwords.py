"""A share link's optional password: checked with Django's hashers, rate-limited per link.

At most SHARE_PASSWORD_ATTEMPTS wrong passwords per SHARE_PASSWORD_WINDOW_MINUTES, counted
in the link's own row, so every worker shares the count and a guesser changing addresses
gains nothing. While the limit is reached no password is even hashed: the right one waits
for the window to end too (the price of a count no address rotation can dodge).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone

from .models import ShareLink

ACCEPTED, REFUSED, LOCKED = "accepted", "refused", "locked"


def _window():
    return timedelta(minutes=settings.SHARE_PASSWORD_WINDOW_MINUTES)


def _locked(share, now):
    return (
        share.failed_attempts >= settings.SHARE_PASSWORD_ATTEMPTS
        and share.attempts_window_start is not None
        and now < share.attempts_window_start + _window()
    )


def seconds_locked(share, now=None):
    now = now or timezone.now()
    if not _locked(share, now):
        return 0
    return max(1, int((share.attempts_window_start + _window() - now).total_seconds()))


def try_password(share, raw, now=None):
    """ACCEPTED, REFUSED (counted) or LOCKED (not checked)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = ShareLink.objects.select_for_update().get(pk=share.pk)
        if _locked(row, now):
            return LOCKED
        if check_password(raw, row.password):
            return ACCEPTED
        if row.attempts_window_start is None or now >= row.attempts_window_start + _window():
            row.attempts_window_start, row.failed_attempts = now, 0
        row.failed_attempts += 1
        row.save(update_fields=["failed_attempts", "attempts_window_start"])
        share.failed_attempts = row.failed_attempts
        share.attempts_window_start = row.attempts_window_start
        return REFUSED
