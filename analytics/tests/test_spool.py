import fcntl
import json
import logging
import os
import time
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from analytics import spool
from analytics.models import Click
from links.tests.factories import LinkFactory

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


@pytest.fixture
def link(db):
    return LinkFactory(short_code="Spl001", original_url="https://shop.example/")


def row(link, **fields):
    values = {
        "id": str(uuid.uuid4()),
        "link_id": str(link.pk),
        "timestamp": "2026-11-25T12:00:00+00:00",
        "ip_address": "81.2.69.142",
        "user_agent": CHROME,
        "is_bot": False,
    }
    values.update(fields)
    return values


def spool_dir(settings):
    return settings.CLICK_SPOOL_DIR


def write_file(settings, name, rows):
    os.makedirs(settings.CLICK_SPOOL_DIR, exist_ok=True)
    path = os.path.join(settings.CLICK_SPOOL_DIR, name)
    with open(path, "wb") as file:
        for item in rows:
            file.write(item if isinstance(item, bytes) else spool.encode(item))
    return path


@pytest.fixture
def clicks_locked(db):
    """Another session holds an exclusive lock on `clicks`: to this process PostgreSQL
    fails every write to it, as when it is restarting."""
    other = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=connection.settings_dict["HOST"],
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"],
        autocommit=False,
    )
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '100ms'")
    other.execute("LOCK TABLE clicks IN ACCESS EXCLUSIVE MODE")
    yield other
    other.rollback()
    other.close()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")


def test_spooled_clicks_reach_the_table_on_a_synchronous_flush(link):
    spool.append(row(link))
    spool.append(row(link))
    assert Click.objects.count() == 0
    result = spool.flush()
    assert (result.inserted, Click.objects.count()) == (2, 2)
    assert os.listdir(os.path.dirname(spool._current_writer().path)) == [
        os.path.basename(spool._current_writer().path)
    ]


def test_a_database_error_while_recording_still_redirects_and_loses_nothing(
    client, link, clicks_locked, caplog
):
    response = client.get("/Spl001", HTTP_USER_AGENT=CHROME)
    assert response.status_code == 302
    with pytest.raises(DatabaseError):
        spool.flush()
    clicks_locked.rollback()  # PostgreSQL is back
    assert Click.objects.count() == 0
    assert spool.flush().inserted == 1
    assert Click.objects.get().link == link


def test_the_flusher_keeps_clicks_while_postgresql_is_away_and_loads_them_after(
    link, clicks_locked, caplog
):
    flusher = spool.Flusher(interval=1)
    spool.append(row(link))
    with caplog.at_level(logging.WARNING, logger="analytics.spool"):
        flusher.flush_once()
        flusher.flush_once()
    assert [r.getMessage()[:30] for r in caplog.records] == ["clicks stay spooled, PostgreSQ"]
    clicks_locked.rollback()
    flusher.flush_once()
    assert Click.objects.count() == 1


def test_shutdown_loads_what_the_process_spooled(link):
    spool.append(row(link))
    spool.shutdown()
    assert Click.objects.count() == 1


def test_the_file_of_a_dead_worker_is_drained(link, settings):
    # Left by a worker killed with SIGKILL: an `active-` file nobody holds a lock on.
    write_file(settings, "active-999999-abc-1.jsonl", [row(link), row(link)])
    result = spool.drain()
    assert (result.files, result.inserted) == (1, 2)
    assert os.listdir(settings.CLICK_SPOOL_DIR) == []


def test_the_open_file_of_a_live_worker_is_left_alone(link, settings):
    path = write_file(settings, "active-12345-abc-1.jsonl", [row(link)])
    held = os.open(path, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        assert spool.drain().files == 0
    finally:
        os.close(held)
    assert spool.drain().inserted == 1


def test_a_file_loaded_twice_stores_each_click_once(link, settings):
    rows = [row(link), row(link)]
    write_file(settings, "ready-1-a-1.jsonl", rows)
    write_file(settings, "ready-1-a-2.jsonl", rows + [row(link)])
    result = spool.drain()
    assert (result.inserted, result.skipped) == (3, 2)
    assert Click.objects.count() == 3


def test_clicks_of_a_deleted_link_are_dropped_without_blocking_the_others(link, settings):
    gone = LinkFactory()
    stale = row(gone)
    gone.delete()
    write_file(settings, "ready-1-a-1.jsonl", [row(link), stale])
    result = spool.drain()
    assert (result.inserted, result.skipped) == (1, 1)
    assert os.listdir(settings.CLICK_SPOOL_DIR) == []


def test_unreadable_lines_and_refused_rows_are_set_aside_and_logged(link, settings, caplog):
    write_file(
        settings,
        "ready-1-a-1.jsonl",
        [row(link), b'{"half a line\n', row(link, country="GBR"), row(link)],
    )
    result = spool.drain()
    assert (result.inserted, result.rejected) == (2, 2)
    (rejected,) = os.listdir(settings.CLICK_SPOOL_DIR)
    assert rejected.startswith("rejected-")
    with open(os.path.join(settings.CLICK_SPOOL_DIR, rejected), "rb") as file:
        lines = file.read().splitlines()
    assert lines[0] == b'{"half a line'
    assert json.loads(lines[1])["country"] == "GBR"
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2


def test_the_drain_command_loads_spooled_clicks_and_says_how_many(link, settings, capsys):
    write_file(settings, "ready-1-a-1.jsonl", [row(link), row(link)])
    call_command("drain_clicks", "--dry-run")
    assert "2 spooled clicks in 1 files" in capsys.readouterr().out
    assert Click.objects.count() == 0
    call_command("drain_clicks")
    assert "2 clicks loaded from 1 files" in capsys.readouterr().out
    assert Click.objects.count() == 2


def test_a_missing_spool_folder_drains_nothing(db, settings):
    assert spool.drain().files == 0


@pytest.mark.django_db(transaction=True)
def test_the_flusher_thread_loads_clicks_within_a_few_seconds(settings):
    link = LinkFactory()
    settings.CLICK_FLUSH_INTERVAL = 0.05
    settings.CLICK_FLUSHER_THREAD = True
    spool.append(row(link))
    deadline = time.monotonic() + 10
    while Click.objects.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    spool.shutdown()
    assert Click.objects.count() == 1
