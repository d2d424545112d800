"""Scans of random short codes: no query per code once a worker knows every code, and never
a real link pushed out of the cache (with PostgreSQL then down, it still redirects)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from analytics.clicks.spool import loading
from links import link_changes, resolver
from links.shortcodes import generate_code
from links.tests.factories import LinkFactory
from links.tests.test_fast_redirect import BROWSER, wsgi

ROOT = Path(__file__).resolve().parents[2]


def scan(count=100):
    """Random codes no link has, as a scanner sends them (8 characters: never generated)."""
    return [f"/{generate_code(8)}" for _ in range(count)]


@pytest.fixture
def with_redis(settings, local_redis):
    settings.REDIS_URL = local_redis.url
    settings.LINK_CACHE_SYNC_INTERVAL = 0
    link_changes.reset()
    return settings


@pytest.fixture
def links(db):
    return [
        LinkFactory(short_code=f"Real0{n}", original_url=f"https://shop.example/{n}")
        for n in range(3)
    ]


def test_a_scan_of_unknown_codes_costs_no_query_once_the_worker_knows_every_code(
    client, with_redis, links, django_assert_num_queries
):
    resolver.prime()  # what gunicorn's post_worker_init does
    with django_assert_num_queries(0):
        statuses = {client.get(path).status_code for path in scan(200)}
        assert client.get("/Real01").status_code == 302
    assert statuses == {404}


def test_a_code_of_an_inactive_or_expired_link_is_still_answered_as_before(client, with_redis, db):
    LinkFactory(short_code="Gone01", is_active=False)
    LinkFactory(short_code="Past01", expires_at="2020-01-01T00:00:00Z")
    resolver.prime()
    assert client.get("/Gone01").status_code == 404
    assert client.get("/Past01").status_code == 410


@pytest.mark.django_db(transaction=True)
def test_a_link_created_by_another_process_becomes_reachable(client, with_redis, links):
    resolver.prime()
    assert client.get("/Fresh01").status_code == 404
    create = (
        "import django; django.setup()\n"
        "from links.tests.factories import LinkFactory\n"
        "LinkFactory(short_code='Fresh01', original_url='https://shop.example/fresh')\n"
    )
    database = connection.settings_dict
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", create],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "macondo.settings",
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                f"{database['NAME']}"
            ),
            "REDIS_URL": with_redis.REDIS_URL,
            "REDIS_KEY_PREFIX": with_redis.REDIS_KEY_PREFIX,
        },
        check=True,
    )
    response = client.get("/Fresh01")
    assert (response.status_code, response["Location"]) == (302, "https://shop.example/fresh")


@pytest.mark.django_db(transaction=True)
def test_after_a_bulk_change_the_codes_are_read_again_and_asked_meanwhile(
    client, with_redis, links, django_assert_num_queries
):
    resolver.prime()
    # A bulk import writes rows without signals, then announces everything at once.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE links SET short_code = 'Bulk01' WHERE short_code = 'Real00'")
    link_changes.announce_all()
    assert client.get("/Bulk01").status_code == 302  # asked of PostgreSQL: no set yet
    deadline = time.monotonic() + 10
    while resolver._known is None and time.monotonic() < deadline:
        client.get("/Real01")
        time.sleep(0.05)
    with django_assert_num_queries(0):
        assert {client.get(path).status_code for path in scan(50)} == {404}


@pytest.mark.parametrize("announced", [True, False], ids=["with Redis", "without Redis"])
def test_real_links_stay_cached_during_a_scan(
    client, settings, links, announced, django_assert_num_queries, request
):
    if announced:
        request.getfixturevalue("with_redis")
        resolver.prime(limit=0)
    settings.LINK_CACHE_SIZE = 5
    for link in links:
        assert client.get(f"/{link.short_code}").status_code == 302
    assert {client.get(path).status_code for path in scan(100)} == {404}
    with django_assert_num_queries(0):
        for link in links:
            assert client.get(f"/{link.short_code}").status_code == 302


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("announced", "scanned"), [(True, 404), (False, 503)], ids=["with Redis", "without Redis"]
)
def test_with_postgresql_down_cached_links_still_redirect_during_a_scan(
    client, settings, links, postgresql, announced, scanned, request
):
    if announced:
        request.getfixturevalue("with_redis")
        resolver.prime(limit=0)
    settings.LINK_CACHE_SIZE = 5
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 0  # every entry stale at once: PostgreSQL asked
    for link in links:
        assert client.get(f"/{link.short_code}").status_code == 302
    assert {client.get(path).status_code for path in scan(50)} == {404}
    postgresql.stop()
    # Codes no link has: the set answers; without it they are unknowable for now.
    assert {client.get(path).status_code for path in scan(50)} == {scanned}
    for link in links:
        response = client.get(f"/{link.short_code}")
        assert (response.status_code, response["Location"]) == (302, link.original_url)


def test_without_redis_a_missing_code_is_asked_once_per_short_window(
    client, settings, db, django_assert_num_queries
):
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 60
    assert client.get("/Nobody1").status_code == 404
    with django_assert_num_queries(0):
        assert client.get("/Nobody1").status_code == 404


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True)
def test_the_lane_answers_a_code_no_link_has_exactly_as_the_whole_stack_would(
    client, with_redis, links, django_assert_num_queries
):
    resolver.prime()
    reference = client.get("/Nobody12", secure=True, **BROWSER)
    with django_assert_num_queries(0):
        answer = wsgi("/Nobody12")
    assert not answer.by_django
    assert (answer.status, answer.headers, answer.body) == (
        404,
        dict(reference.headers),
        reference.content,
    )
    assert "Content-Security-Policy" in answer.headers


@override_settings(SECURE_SSL_REDIRECT=False)
def test_without_redis_the_lane_answers_a_missing_code_once_django_found_it_missing(
    client, settings, db
):
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 60
    first = wsgi("/Nobody12", secure=False)
    second = wsgi("/Nobody12", secure=False)
    assert (first.by_django, second.by_django) == (True, False)
    assert (second.status, second.headers, second.body) == (
        first.status,
        first.headers,
        first.body,
    )


def test_a_click_is_never_recorded_for_a_code_no_link_has(with_redis, links):
    resolver.prime()
    assert wsgi("/Nobody12").status == 404
    assert loading.flush().inserted == 0


def test_with_the_set_turned_off_an_unknown_code_asks_postgresql(
    client, with_redis, settings, links, django_assert_num_queries
):
    settings.LINK_CACHE_KNOWN_CODES = False
    resolver.prime()
    with django_assert_num_queries(1):
        assert client.get("/Nobody12").status_code == 404
