"""bench/server: the baselines bench/redirect measures exist there, never in production."""

import pytest
from django.test import override_settings

from bench.server import wsgi as bench_wsgi
from links.tests.test_fast_redirect import environ_for


def test_the_floor_answers_its_own_paths_and_hands_the_rest_to_the_site(transactional_db):
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, dict(headers)

    assert bench_wsgi.application(environ_for("/bench-floor/abc"), start_response) == [b""]
    assert started["status"] == "302 Found"
    assert started["headers"]["Location"] == "https://example.com/"
    b"".join(bench_wsgi.application(environ_for("/Nope123"), start_response))
    assert started["status"].startswith("404")


@override_settings(ROOT_URLCONF="bench.server.urls")
def test_the_django_baseline_is_a_constant_302(client, db):
    response = client.get("/bench-302/abc", secure=True)
    assert (response.status_code, response["Location"]) == (302, "https://example.com/")


@pytest.mark.parametrize("path", ["/bench-302/abc", "/bench-floor/abc"])
def test_production_serves_no_baseline(client, db, path):
    assert client.get(path, secure=True).status_code == 404
