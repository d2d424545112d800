"""The username django-axes counts failed admin logins under."""

from django.conf import settings

from .models import normalize_email


def username(request, credentials=None):
    """The address as sign-in matches it (trimmed, case-insensitive): "Staffer@…",
    "sTaffer@…" and " staffer@… " are one account, so they share one count of attempts."""
    if credentials:
        value = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        value = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    return normalize_email(value) if isinstance(value, str) else value
