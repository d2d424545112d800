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
    return UserFactory(email="admin@corp.example", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


# --- Short links and click recording (issue 4) ---------------------------------------------
@pytest.fixture(autouse=True)
def _click_spool(settings, tmp_path):
    """Each test spools clicks into its own folder and flushes them itself (no thread);
    link lookups and GeoIP answers cached by an earlier test are forgotten."""
    from analytics import bursts, geo, spool
    from links import link_changes, resolver

    settings.CLICK_SPOOL_DIR = str(tmp_path / "click-spool")
    settings.CLICK_FLUSHER_THREAD = False
    settings.REDIS_URL = ""
    link_changes.reset()
    resolver.forget()
    geo.reset()
    yield
    spool.forget()
    bursts.forget()


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


@pytest.fixture
def chromium():
    """Debian's Chromium driven by Playwright; the test is skipped when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
