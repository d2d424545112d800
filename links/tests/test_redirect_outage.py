import pytest
from django.db import OperationalError

from analytics.clicks.spool import loading
from analytics.models import Click
from links.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def link(settings):
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 0  # every entry is stale at once
    return LinkFactory(short_code="Down01", original_url="https://shop.example/")


def test_a_known_link_keeps_redirecting_while_postgresql_is_down(client, link, postgresql):
    assert client.get("/Down01").status_code == 302
    postgresql.stop()
    response = client.get("/Down01")
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example/"


def test_an_unseen_code_answers_503_while_postgresql_is_down(client, link, postgresql):
    postgresql.stop()
    response = client.get("/Down01")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_clicks_made_while_postgresql_is_down_land_when_it_is_back(client, link, postgresql):
    client.get("/Down01")
    postgresql.stop()
    assert client.get("/Down01").status_code == 302
    with pytest.raises(OperationalError):
        loading.flush()
    postgresql.start()
    assert loading.flush().inserted == 2
    assert Click.objects.filter(link=link).count() == 2
