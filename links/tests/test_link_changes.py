import pytest

from links import link_changes
from links.models import Link
from links.tests.factories import LinkFactory


@pytest.fixture
def synced(settings, local_redis):
    """Workers hear about link changes through the local Redis, on this test's own stream."""
    settings.REDIS_URL = local_redis.url
    settings.LINK_CACHE_SYNC_INTERVAL = 0
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 0
    link_changes.reset()
    return local_redis


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


def test_changes_go_to_a_stream_named_by_the_key_prefix(client, synced, link):
    assert client.get("/Sync01").status_code == 302
    link_changes.announce("Sync01")
    assert synced.keys() == [f"{synced.prefix}link-changes"]


def test_a_change_announced_under_another_key_prefix_is_not_heard(client, synced, link):
    """Two deployments, or two test runs, on one Redis database: the other one's announcements
    (its REDIS_KEY_PREFIX, its stream) do not reach these workers, and theirs stay theirs."""
    assert client.get("/Sync01").status_code == 302
    synced.client.xadd(f"{synced.prefix}other:link-changes", {"code": "Sync01"})
    assert link_changes.poll() == (True, [])
    link_changes.announce("Later01")
    assert link_changes.poll() == (True, ["Later01"])
    assert synced.client.xlen(f"{synced.prefix}other:link-changes") == 1
