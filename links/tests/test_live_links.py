"""The live-link rule (links.models.redirects_now): every entry point that says whether a
link redirects agrees with it, up to the instant of its expiry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api import keys
from api.models import SCOPES
from api.tests.helpers import Api
from links import resolver
from links.models import Link
from links.tests.factories import LinkFactory
from links.tests.test_fast_redirect import wsgi

EXPIRY = timezone.now().replace(microsecond=0) + timedelta(days=1)


@pytest.fixture
def links(db):
    resolver.forget()
    keys.forget()
    yield {
        "timed": LinkFactory(short_code="Timed01", expires_at=EXPIRY),
        "off": LinkFactory(short_code="Off0001", is_active=False),
        "open": LinkFactory(short_code="Open001"),
    }
    resolver.forget()
    keys.forget()


def answers(client, owner, code):
    """What each entry point says of `code` now."""
    client.force_login(owner)
    listed = {
        status: {
            link.short_code
            for link in client.get(f"/dashboard/links/?status={status}").context["links"]
        }
        for status in ("active", "inactive")
    }
    api = Api(keys.issue(user=owner, name=f"k{timezone.now():%s%f}", scopes=tuple(SCOPES)).secret)
    link = Link.objects.get(short_code=code)
    resolver.prime()  # the fast lane answers from the worker's cached target
    return {
        "model": link.is_live(),
        "queryset": Link.objects.live().filter(short_code=code).exists(),
        "listed active": code in listed["active"],
        "listed inactive": code in listed["inactive"],
        "api": api.get(f"/api/v1/links/{link.pk}").json()["is_live"],
        "redirect": client.get(f"/{code}").status_code,
        "fast lane": not wsgi(f"/{code}").by_django,
    }


LIVE = {
    "model": True,
    "queryset": True,
    "listed active": True,
    "listed inactive": False,
    "api": True,
    "redirect": 302,
    "fast lane": True,
}


def test_a_link_is_live_until_the_instant_of_its_expiry(client, owner, links, time_machine):
    time_machine.move_to(EXPIRY - timedelta(microseconds=1), tick=False)
    assert answers(client, owner, "Timed01") == LIVE
    time_machine.move_to(EXPIRY, tick=False)
    assert answers(client, owner, "Timed01") == {
        "model": False,
        "queryset": False,
        "listed active": False,
        "listed inactive": True,
        "api": False,
        "redirect": 410,
        "fast lane": False,
    }


def test_an_inactive_link_is_not_live_and_one_without_expiry_is(client, owner, links):
    assert answers(client, owner, "Open001") == LIVE
    assert answers(client, owner, "Off0001") == {
        "model": False,
        "queryset": False,
        "listed active": False,
        "listed inactive": True,
        "api": False,
        "redirect": 404,
        "fast lane": False,
    }
