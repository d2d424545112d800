import pytest

from webhooks import events

from .receiver import Receiver


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    """Production rules (https, public addresses) unless a test opens them; no answer
    about subscriptions cached by an earlier test."""
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    events.forget_subscriptions()
    yield
    events.forget_subscriptions()


@pytest.fixture
def local_targets(settings):
    """A receiver on this machine over plain http is allowed (as for local runs)."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    return settings


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server
