"""Private Django APIs the redirect relies on: each test fails on an upgrade that changes one
(docs/upgrading.md lists them all)."""

from django.db import DEFAULT_DB_ALIAS, connections

from links import resolver
from links.tests.factories import LinkFactory


def test_a_lookup_skips_djangos_per_request_connection_health_check(db, monkeypatch):
    """`connection.health_check_done` (links/resolver.py): set so that a cache miss costs one
    query, not a `SELECT 1` first. The second half proves the attribute still controls
    Django's check: if Django renamed it, resetting it here would not bring the check back."""
    LinkFactory(short_code="Promo24")
    resolver.forget()
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the proxy
    connection.ensure_connection()
    checks = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "health_check_enabled", True)
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append("SELECT 1") or usable())

    connection.health_check_done = False  # as at the start of a request
    assert resolver.resolve("Promo24") is not None
    assert checks == []

    connection.health_check_done = False
    with connection.cursor() as cursor:  # any other query of a request
        cursor.execute("SELECT 1")
    assert checks == ["SELECT 1"]
