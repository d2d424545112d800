"""Signing a person out everywhere."""

from django.db.models import F

from .models import User


def end_sessions(user):
    """End every session of `user`, on every device and whatever the session engine:
    raising session_epoch changes the hash Django checks on each request."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
