import pytest

from api import keys, ratelimit, redis_state
from api.models import SCOPES
from links.tests.factories import ClientFactory

from .helpers import Api

ALL_SCOPES = tuple(SCOPES)


@pytest.fixture(autouse=True)
def _fresh_api_state():
    """No key, use record or rate bucket of an earlier test is remembered."""
    keys.forget()
    ratelimit.reset()
    redis_state.reset()
    yield
    keys.forget()
    ratelimit.reset()
    redis_state.reset()


@pytest.fixture
def make_key(owner):
    def make(*, scopes=ALL_SCOPES, clients=None, user=None, expires_at=None, name="test"):
        return keys.issue(
            user=user or owner, name=name, scopes=scopes, clients=clients, expires_at=expires_at
        )

    return make


@pytest.fixture
def api_as(make_key):
    """An Api client for a key made with these options."""

    def make(**options):
        return Api(make_key(**options).secret)

    return make


@pytest.fixture
def api(api_as):
    """A client with a key of every scope and every client."""
    return api_as()


@pytest.fixture
def acme(db):
    return ClientFactory(name="Acme")
