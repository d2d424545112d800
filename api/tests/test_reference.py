"""The OpenAPI document and the reference page that renders it, from our own static files."""

import re

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test import Client as HttpClient
from django.test import override_settings
from django.test.testcases import LiveServerThread

from macondo.tests.test_csp_browser import csp_violations


@pytest.fixture
def document(db):
    response = HttpClient().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_document_is_served_without_a_key_and_names_every_resource(document):
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    for expected in (
        "/api/v1/links",
        "/api/v1/links/bulk",
        "/api/v1/links/{link_id}",
        "/api/v1/links/{link_id}/deactivate",
        "/api/v1/links/{link_id}/stats",
        "/api/v1/links/{link_id}/clicks.csv",
        "/api/v1/clients/{client_id}/clicks",
        "/api/v1/campaigns/{campaign_id}/stats",
        "/api/v1/tags",
    ):
        assert expected in paths
    [scheme] = document["components"]["securitySchemes"].values()
    assert scheme == {"type": "http", "scheme": "bearer"}


def test_every_operation_documents_its_errors_as_problem_json(document):
    for path, method, operation in operations(document):
        responses = operation["responses"]
        for code in ("401", "422", "429"):
            content = responses[code]["content"]
            assert list(content) == ["application/problem+json"], (path, method, code)
        assert operation["security"], (path, method)
        if "{" in path:
            assert "404" in responses
        if method == "post" and "requestBody" in operation:
            assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}
        if method in ("patch", "delete"):
            assert "If-Match" in {p["name"] for p in operation["parameters"]}
    assert "errors" in document["components"]["schemas"]["Problem"]["properties"]


def test_the_reference_page_uses_only_our_static_files(db):
    response = HttpClient().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/static/") for source in sources), sources
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # Its only inline script is data (JSON), which a browser does not run.
    assert re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page) == [
        ' type="application/json" id="swagger-settings"'
    ]


@pytest.fixture
def live_url(transactional_db):
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServerThread(
            "localhost", static_handler=StaticFilesHandler, connections_override={}, port=0
        )
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        yield f"http://localhost:{server.port}"
        server.terminate()
        connections.close_all()


@pytest.mark.browser
def test_the_reference_page_renders_every_operation_under_the_csp(live_url, chromium):
    page = chromium.new_page()
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    response = page.goto(f"{live_url}/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/links/bulk" in path for path in paths)
    assert page.locator(".btn.authorize").is_visible()
    page.close()
    assert csp_violations(messages) == [], messages
