import contextlib
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory


def pytest_collection_modifyitems(config, items):
    # The schema rules (ON DELETE, functional unique indexes) are PostgreSQL's: a run
    # against the quick start's SQLite file would prove nothing.
    if connection.vendor != "postgresql":
        pytest.exit("The tests need PostgreSQL: run scripts/test.sh (see README).", returncode=2)


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@corp.example", name="Owner")


@pytest.fixture
def colleague(db):
    return UserFactory(email="colleague@corp.example", name="Colleague")


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@corp.example", role="admin")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files (client logos) of each test go to a folder of its own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


# --- Short links and click recording ---------------------------------------------
@pytest.fixture(autouse=True)
def _click_spool(settings, tmp_path):
    """Each test spools clicks into its own folder and flushes them itself (no thread);
    link lookups and GeoIP answers cached by an earlier test are forgotten. Redis is off, and
    a test that turns it on writes under a key prefix of its own (see `local_redis`)."""
    from analytics.clicks import geo
    from analytics.clicks.spool import flusher
    from analytics.verdicts import bursts
    from links import link_changes, resolver

    settings.CLICK_SPOOL_DIR = str(tmp_path / "click-spool")
    settings.CLICK_FLUSHER_THREAD = False
    settings.REDIS_URL = ""
    settings.REDIS_KEY_PREFIX = f"test-{uuid.uuid4().hex}:"
    link_changes.reset()
    resolver.forget()
    geo.reset()
    yield
    flusher.forget()
    bursts.forget()


# The local server's database 5 is the tests'; keys are told apart by prefix, not database,
# so that two test runs on one machine (two checkouts) cannot see each other's keys.
TEST_REDIS_URL = "redis://127.0.0.1:6379/5"


@dataclass
class LocalRedis:
    url: str
    prefix: str
    client: object

    def keys(self):
        """This test's keys (every one starts with its prefix)."""
        return sorted(key.decode() for key in self.client.scan_iter(f"{self.prefix}*"))


@pytest.fixture
def local_redis(settings):
    """The local Redis, for a test whose REDIS_KEY_PREFIX is its own (a fresh uuid): only its
    keys are deleted afterwards. Skipped when no Redis answers on 127.0.0.1:6379."""
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    server = LocalRedis(TEST_REDIS_URL, settings.REDIS_KEY_PREFIX, client)
    yield server
    for key in client.scan_iter(f"{server.prefix}*"):
        client.delete(key)
    client.close()


CHROMIUM = Path("/usr/bin/chromium")
# What a headless Chromium needs as root on a machine without a network: no sandbox, and
# none of its background connections (refused here, many at a time).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@contextlib.contextmanager
def _launched_chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def chromium():
    """Debian's Chromium driven by Playwright; the test is skipped when it is not installed."""
    with _launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def module_chromium():
    """`chromium` shared by a module's tests (starting it costs 1-3 s). Playwright's sync
    API keeps an event loop running in this thread meanwhile, so the ORM calls the tests and
    their database fixtures make are allowed explicitly."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with _launched_chromium() as browser:
            yield browser


# --- Database outages ------------------------------------------------------------------------
class PostgreSQL:
    """Stops PostgreSQL as the app sees it: its connection attempts then hit a port nobody
    listens on. Started again afterwards in any case. Needs a transactional test
    (`django_db(transaction=True)`): the test's connection is closed."""

    def __init__(self):
        self.port = connection.settings_dict["PORT"]

    def stop(self):
        connection.close()
        connection.settings_dict["PORT"] = "1"

    def start(self):
        connection.close()
        connection.settings_dict["PORT"] = self.port


@pytest.fixture
def postgresql():
    server = PostgreSQL()
    yield server
    server.start()
