import pytest

from links import link_changes
from links.models import Link
from links.tests.factories import LinkFactory


@pytest.fixture
def synced(settings):
    """Workers hear about link changes through Redis (database 4 of the local server)."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/4"
    settings.LINK_CACHE_SYNC_INTERVAL = 0
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 0
    link_changes.reset()
    try:
        link_changes._current_feed().client.ping()
    except Exception:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return settings


@pytest.fixture
def link(db):
    return LinkFactory(short_code="Sync01", original_url="https://shop.example/")


def test_with_redis_a_known_link_stays_cached_past_the_short_window(
    client, synced, link, django_assert_num_queries
):
    client.get("/Sync01")
    with django_assert_num_queries(0):
        assert client.get("/Sync01").status_code == 302


def test_a_change_announced_by_another_worker_is_seen_at_the_next_read(client, synced, link):
    assert client.get("/Sync01").status_code == 302
    # Another worker deactivated it: this process got no signal, only the announcement.
    Link.objects.filter(pk=link.pk).update(is_active=False)
    link_changes.announce("Sync01")
    assert client.get("/Sync01").status_code == 404


def test_unknown_codes_use_the_short_window_even_with_redis(
    client, synced, db, django_assert_num_queries
):
    client.get("/Later01")
    with django_assert_num_queries(1):
        assert client.get("/Later01").status_code == 404


def test_an_unreachable_redis_falls_back_to_the_short_window(
    client, settings, link, django_assert_num_queries
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 0
    link_changes.reset()
    assert client.get("/Sync01").status_code == 302
    with django_assert_num_queries(1):
        assert client.get("/Sync01").status_code == 302
