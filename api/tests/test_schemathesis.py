"""A client we did not write: Schemathesis reads the served OpenAPI document and sends what
it allows (and what it does not) to the running app, with a valid key. No request may get a
5xx, and every answer must match the document (status, content type, body, headers)."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test.testcases import LiveServerThread

from analytics.tests.factories import ClickFactory
from links.tests.factories import CampaignFactory, LinkFactory, TagFactory

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)
# Bounded to about half a minute: a fixed seed (the same cases each run, so a failure
# reproduces), six examples per operation, the fuzzing phase (valid and invalid data) and the
# stateful one (chains such as create, read, change, delete). docs/api.md has the longer run
# with the coverage phase (every boundary value, ~2 minutes), which passed too.
ARGUMENTS = [
    "--phases",
    "fuzzing,stateful",
    "--max-examples",
    "6",
    "--seed",
    "20261202",
    "--workers",
    "1",
]


@pytest.fixture
def live_url(transactional_db, settings):
    settings.SECURE_SSL_REDIRECT = False
    # Schemathesis sends thousands of requests with one key.
    settings.API_RATE_LIMIT_BURST = 1_000_000
    server = LiveServerThread(
        "127.0.0.1", static_handler=StaticFilesHandler, connections_override={}, port=0
    )
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()
    connections.close_all()


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(
    live_url, make_key, owner, tmp_path
):
    if not SCHEMATHESIS.exists():
        pytest.skip(f"{SCHEMATHESIS} is missing: install requirements-dev.txt")
    link = LinkFactory(user=owner, campaign=CampaignFactory(), tags=[TagFactory()])
    link.client = link.campaign.client
    link.save()
    ClickFactory.create_batch(3, link=link)
    secret = make_key().secret
    result = subprocess.run(  # noqa: S603 (our own virtualenv's program)
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {secret}",
            "--checks",
            CHECKS,
            *ARGUMENTS,
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "passed" in result.stdout
