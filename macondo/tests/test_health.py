import os
import socket
import threading
import time
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import override_settings

import macondo
from analytics.tests.geoip_files import city, write_city
from macondo import health
from macondo.tests.postgres_server import OwnPostgreSQL


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
    server.bind(("127.0.0.1", 0))
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
    yield SimpleNamespace(port=server.getsockname()[1], accepted=accepted)
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_health_answers_200_with_database_geoip_recording_and_version(client, db):
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
        "recording": {
            "ok": True,
            "spool_writable": True,
            "backlog": {"bytes": 0, "files": 0, "oldest_click_seconds": None},
            "rejected_files": 0,
            "seconds_since_last_load": None,
            "clicks_dropped": 0,
            "bursts": "per process",
        },
        "version": macondo.__version__,
    }


def test_health_counts_what_is_spooled_and_when_it_was_last_loaded(client, db, settings):
    from analytics.clicks.spool import loading, recording
    from analytics.clicks.visit import Visit
    from links.tests.factories import LinkFactory

    link = LinkFactory()
    recording.append(Visit.from_environ({"REMOTE_ADDR": "203.0.113.5"}, link.pk))
    recording = client.get("/health").json()["recording"]
    assert recording["backlog"]["files"] == 1
    assert recording["backlog"]["bytes"] > 100
    assert 0 <= recording["backlog"]["oldest_click_seconds"] < 5
    loading.flush()
    time.sleep(1.1)  # the folder scan is cached for a second
    recording = client.get("/health").json()["recording"]
    assert recording["backlog"] == {"bytes": 0, "files": 0, "oldest_click_seconds": None}
    assert 0 <= recording["seconds_since_last_load"] < 3


def test_health_answers_503_when_the_oldest_unloaded_click_is_too_old(client, db, settings):
    settings.CLICK_BACKLOG_MAX_AGE_SECONDS = 60
    created = int((time.time() - 600) * 1e6)
    spool_dir = settings.CLICK_SPOOL_DIR
    os.makedirs(spool_dir)
    with open(os.path.join(spool_dir, f"ready-{created:016d}-1-abc-1.jsonl"), "wb") as file:
        file.write(b'{"id": "a click the loader never got to"}\n')
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] is True
    assert 590 < response.json()["recording"]["backlog"]["oldest_click_seconds"] < 700


def test_health_says_bursts_are_shared_through_redis(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/5"
    assert client.get("/health").json()["recording"]["bursts"] == "shared"


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
    assert set(response.json()) == {"status", "database", "geoip", "recording", "version"}


def test_health_answers_503_before_3_seconds_when_the_database_never_answers(
    client, db, monkeypatch, silent_server
):
    monkeypatch.setitem(connection.settings_dict, "PORT", str(silent_server.port))
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    started = time.monotonic()
    response = client.get("/health")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < 3, f"/health took {elapsed:.1f} s against a silent server"


def test_health_reports_the_geoip_file_and_its_build_date(client, db, tmp_path):
    path = write_city(tmp_path / "city.mmdb", {"192.0.2.0/24": city("GB")}, built=date(2025, 11, 3))
    with override_settings(GEOIP_CITY_DB=path):
        body = client.get("/health").json()
    assert body["geoip"]["city"] == {
        "loaded": True,
        "database_type": "GeoLite2-City",
        "build_date": "2025-11-03",
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


@pytest.fixture(scope="module")
def own_postgresql():
    server = OwnPostgreSQL()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def health_of_own_postgresql(own_postgresql, monkeypatch, db):
    """/health asks the test's own server; no earlier answer is reused."""
    for key, value in own_postgresql.settings().items():
        monkeypatch.setitem(connection.settings_dict, key, value)
    health.reset()
    yield own_postgresql
    if not (own_postgresql.data / "postmaster.pid").exists():  # a test stopped it
        own_postgresql.start()
    health.reset()


def test_a_flood_of_health_requests_shares_one_database_connection(
    client, health_of_own_postgresql, settings
):
    settings.HEALTH_DATABASE_CACHE_SECONDS = 60
    before = health_of_own_postgresql.connections()
    for _ in range(50):
        assert client.get("/health").status_code == 200
    assert health_of_own_postgresql.connections() - before == 1


def test_health_turns_503_within_the_deadline_when_the_database_stops_and_200_when_it_is_back(
    client, health_of_own_postgresql, settings
):
    settings.HEALTH_DATABASE_CACHE_SECONDS = 0
    settings.HEALTH_DATABASE_DEADLINE = 2
    assert client.get("/health").status_code == 200
    health_of_own_postgresql.stop()
    started = time.monotonic()
    response = client.get("/health")
    elapsed = time.monotonic() - started
    assert (response.status_code, response.json()["database"]) == (503, False)
    assert elapsed < 3, f"/health took {elapsed:.1f} s once the database had stopped"
    health_of_own_postgresql.start()
    assert client.get("/health").status_code == 200


def test_a_shared_answer_is_reused_only_for_the_cache_window(
    client, health_of_own_postgresql, settings
):
    settings.HEALTH_DATABASE_CACHE_SECONDS = 0.3
    assert client.get("/health").status_code == 200
    health_of_own_postgresql.stop()
    assert client.get("/health").status_code == 200  # the answer of a moment ago
    time.sleep(0.4)
    assert client.get("/health").status_code == 503


def test_concurrent_checks_of_a_hung_database_run_one_at_a_time_within_the_deadline(
    db, monkeypatch, silent_server, settings
):
    settings.HEALTH_DATABASE_CACHE_SECONDS = 0
    monkeypatch.setitem(connection.settings_dict, "PORT", str(silent_server.port))
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    health.reset()
    answers = []
    started = time.monotonic()
    threads = [
        threading.Thread(target=lambda: answers.append(health.database_reachable(deadline=1)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert answers == [False] * 8
    assert elapsed < 2, f"eight concurrent checks took {elapsed:.1f} s"
    assert len(silent_server.accepted) == 1
