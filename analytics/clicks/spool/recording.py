"""Spooling one click: what the redirect calls (`analytics.clicks.tracking`)."""

from django.conf import settings

from analytics.clicks.spool import writing
from analytics.clicks.spool.flusher import start_flusher
from analytics.clicks.spool.writing import SpoolFull


def append(visit):
    """Spool one click; False (and counted) if it could not be. Never raises."""
    try:
        data = visit.encode()
        writer = writing.current_writer()
        writer.append(data, writing.room(writer))
    except SpoolFull:
        writing.note_lost(f"CLICK_SPOOL_MAX_BYTES={settings.CLICK_SPOOL_MAX_BYTES} reached", visit)
        return False
    except Exception as error:  # a failing disk or a bug: never the visitor's problem
        writing.note_lost(error if isinstance(error, OSError) else repr(error), visit)
        return False
    if writing.losing():
        writing.taken()
    if settings.CLICK_FLUSHER_THREAD:
        start_flusher()
    return True


def lost(error, visit=None):
    """Count a click that never reached `append` (its Visit could not be built)."""
    writing.note_lost(repr(error), visit)
