"""Every API error is application/problem+json, never a page or a traceback."""

import pytest

from api.v1 import figures
from links.tests.factories import LinkFactory

from .helpers import problem


def test_an_unknown_api_path_is_a_404_problem(api):
    for url in ("/api/v1/nothing-here", "/api/v1/", "/api/v2/links", "/api/v1/links/x/y"):
        assert problem(api.get(url), 404)["code"] == "not_found", url


def test_a_method_a_path_does_not_have_is_a_405_problem(api):
    response = api.client.put("/api/v1/links", headers=api._headers(None))
    assert problem(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"] and "POST" in response["Allow"]


def test_a_body_that_is_not_json_is_a_400_problem(api):
    response = api.client.post(
        "/api/v1/links", "{not json", content_type="application/json", headers=api._headers(None)
    )
    assert problem(response, 400)["code"] == "bad_request"


def test_a_body_too_large_is_a_413_problem(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("/api/v1/links/bulk", {"links": [{"name": "x" * 2000}]})
    assert problem(response, 413)["code"] == "too_large"


def test_a_crash_is_a_500_problem_without_a_traceback(api, acme, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(figures, "report", broken)
    response = api.get(f"/api/v1/clients/{acme.pk}/stats")
    body = problem(response, 500)
    assert body["code"] == "internal_error"
    assert b"secret internals" not in response.content and b"Traceback" not in response.content
    assert "secret internals" in caplog.text  # logged for us, not shown to them


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_is_a_503_problem_with_retry_after(api, postgresql):
    LinkFactory()
    postgresql.stop()
    response = api.get("/api/v1/links")
    body = problem(response, 503)
    assert body["code"] == "unavailable"
    assert response["Retry-After"] == "5"
