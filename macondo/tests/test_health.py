import socket
import threading
import time

import pytest
from django.db import connection
from django.test import override_settings

import macondo
from analytics.tests.geoip_files import GEOIP

GEOIP_TEST_CITY = f"{GEOIP}/GeoLite2-City-Test.mmdb"


@pytest.fixture
def closed_port():
    # Bind and close: nothing listens on this port afterwards.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_server():
    """A server that accepts TCP connections and never says a word (a hung database)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 18710))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield 18710
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_health_answers_200_with_database_geoip_and_version(client, db):
    response = client.get("/health")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "database": True,
        "geoip": {
            kind: {
                "loaded": False,
                "database_type": None,
                "build_date": None,
                "problem": "not configured",
            }
            for kind in ("city", "asn")
        },
        "version": macondo.__version__,
    }


def test_health_is_not_cached(client, db):
    assert "no-cache" in client.get("/health")["Cache-Control"]


def test_health_answers_503_with_the_same_shape_when_the_database_is_unreachable(
    client, db, monkeypatch, closed_port
):
    monkeypatch.setitem(connection.settings_dict, "PORT", str(closed_port))
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] is False
    assert set(response.json()) == {"status", "database", "geoip", "version"}


def test_health_answers_503_before_3_seconds_when_the_database_never_answers(
    client, db, monkeypatch, silent_server
):
    monkeypatch.setitem(connection.settings_dict, "PORT", str(silent_server))
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    started = time.monotonic()
    response = client.get("/health")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < 3, f"/health took {elapsed:.1f} s against a silent server"


def test_health_reports_the_geoip_file_and_its_build_date(client, db, tmp_path):
    # MaxMind's test City database (see ../shared/geoip/README.md), built 2026-02-04.
    with override_settings(GEOIP_CITY_DB=str(GEOIP_TEST_CITY)):
        body = client.get("/health").json()
    assert body["geoip"]["city"] == {
        "loaded": True,
        "database_type": "GeoLite2-City",
        "build_date": "2026-02-04",
        "problem": None,
    }


def test_health_says_geoip_is_not_loaded_when_the_file_is_missing_or_broken(client, db, tmp_path):
    broken = tmp_path / "broken.mmdb"
    broken.write_bytes(b"not a maxmind database")
    for path in (str(tmp_path / "missing.mmdb"), str(broken)):
        with override_settings(GEOIP_CITY_DB=path):
            city = client.get("/health").json()["geoip"]["city"]
            assert (city["loaded"], city["build_date"]) == (False, None)
            assert city["problem"].startswith("unusable, fields stay empty: ")


@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_answers_plain_http_while_other_pages_redirect_to_https(client, db):
    assert client.get("/health").status_code == 200
    assert client.get("/admin/login/").status_code == 301


def test_health_needs_no_sign_in(client, db):
    assert client.get("/health").status_code == 200
