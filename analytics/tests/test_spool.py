import fcntl
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import DatabaseError, connection

from analytics.clicks import loader
from analytics.clicks.spool import flusher, loading, recording, writing
from analytics.clicks.visit import Visit
from analytics.models import Click
from links.tests.factories import LinkFactory

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
HEADERS = {"accept-language": "en", "sec-ch-ua": '"Chromium";v="131"'}
ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def link(db):
    return LinkFactory(short_code="Spl001", original_url="https://shop.example/")


def visit(link, **fields):
    values = {
        "id": str(uuid.uuid4()),
        "link_id": str(link.pk),
        "timestamp": datetime(2026, 11, 25, 12, tzinfo=UTC),
        "ip": "81.2.69.142",
        "user_agent": CHROME,
        "headers": HEADERS,
    }
    values.update(fields)
    return Visit(**values)


def write_file(directory, name, items):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "wb") as file:
        for item in items:
            file.write(item if isinstance(item, bytes) else item.encode())
    return path


def spooled_lines(directory):
    lines = []
    for name in sorted(os.listdir(directory)):
        if not name.startswith("rejected-"):
            lines += Path(directory, name).read_bytes().splitlines(keepends=True)
    return lines


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


def mount(*args):
    result = subprocess.run(  # noqa: S603 - fixed arguments of the test's own
        ["/usr/bin/mount", *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        pytest.skip(f"cannot mount here (needs root): {result.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path, settings):
    """A real 64 KB filesystem (tmpfs) as the spool's disk; read-only on demand."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount("-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(disk))
    settings.CLICK_SPOOL_DIR = str(disk / "spool")
    try:
        yield disk
    finally:
        # Lazy: this process may still hold files open on it until the test's teardown.
        subprocess.run(["/usr/bin/umount", "-l", str(disk)], check=False)  # noqa: S603


def fill(disk):
    """Take every free byte of the disk; the filler's path."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (4096, 512, 64, 1):
            try:
                while True:
                    os.write(fd, b"x" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_spooled_clicks_reach_the_table_on_a_synchronous_flush(link, settings):
    assert recording.append(visit(link))
    assert recording.append(visit(link))
    assert Click.objects.count() == 0
    result = loading.flush()
    assert (result.inserted, Click.objects.count()) == (2, 2)
    assert os.listdir(settings.CLICK_SPOOL_DIR) == []


def test_a_database_error_while_recording_still_redirects_and_loses_nothing(
    client, link, clicks_locked
):
    response = client.get("/Spl001", HTTP_USER_AGENT=CHROME)
    assert response.status_code == 302
    with pytest.raises(DatabaseError):
        loading.flush()
    clicks_locked.rollback()  # PostgreSQL is back
    assert Click.objects.count() == 0
    assert loading.flush().inserted == 1
    assert Click.objects.get().link == link


def test_the_flusher_keeps_clicks_while_postgresql_is_away_and_loads_them_after(
    link, clicks_locked, caplog, settings
):
    settings.BOT_BURST_LATENESS_SECONDS = 0
    thread = flusher.Flusher(interval=1)
    recording.append(visit(link))
    with caplog.at_level(logging.WARNING, logger="analytics.clicks.spool"):
        thread.flush_once()
        thread.flush_once()
    assert [r.getMessage()[:30] for r in caplog.records] == ["clicks stay spooled, PostgreSQ"]
    clicks_locked.rollback()
    thread.flush_once()
    assert Click.objects.count() == 1


def test_shutdown_loads_what_the_process_spooled(link, settings):
    settings.BOT_BURST_LATENESS_SECONDS = 0.2
    recording.append(visit(link, timestamp=datetime.now(UTC)))
    flusher.shutdown()
    assert Click.objects.count() == 1


def test_the_file_of_a_dead_worker_is_drained(link, settings):
    # Left by a worker killed with SIGKILL: an `active-` file nobody holds a lock on.
    directory = settings.CLICK_SPOOL_DIR
    write_file(directory, "active-1764000000000000-99999-abc-1.jsonl", [visit(link), visit(link)])
    result = loading.drain(wait=False)
    assert (result.files, result.inserted) == (1, 2)
    assert os.listdir(directory) == []


def test_the_open_file_of_a_live_worker_is_left_alone(link, settings):
    path = write_file(settings.CLICK_SPOOL_DIR, "active-12345-abc-1.jsonl", [visit(link)])
    held = os.open(path, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        assert loading.drain(wait=False).files == 0
    finally:
        os.close(held)
    assert loading.drain(wait=False).inserted == 1


def test_a_file_loaded_twice_stores_each_click_once(link, settings):
    clicks = [visit(link), visit(link)]
    write_file(settings.CLICK_SPOOL_DIR, "ready-1-a-1.jsonl", clicks)
    write_file(settings.CLICK_SPOOL_DIR, "ready-1-a-2.jsonl", [*clicks, visit(link)])
    result = loading.drain(wait=False)
    assert (result.inserted, result.skipped) == (3, 2)
    assert Click.objects.count() == 3


def test_clicks_of_a_deleted_link_are_dropped_without_blocking_the_others(link, settings):
    gone = LinkFactory()
    stale = visit(gone)
    gone.delete()
    write_file(settings.CLICK_SPOOL_DIR, "ready-1-a-1.jsonl", [visit(link), stale])
    result = loading.drain(wait=False)
    assert (result.inserted, result.skipped) == (1, 1)
    assert os.listdir(settings.CLICK_SPOOL_DIR) == []


def test_unreadable_lines_and_refused_rows_are_set_aside_and_logged(link, settings, caplog):
    refused = visit(link, ip="not-an-address")
    write_file(
        settings.CLICK_SPOOL_DIR,
        "ready-1764000000000000-1-a-1.jsonl",
        [visit(link), b'{"half a line\n', refused, visit(link)],
    )
    result = loading.drain(wait=False)
    assert (result.inserted, result.rejected) == (2, 2)
    (rejected,) = os.listdir(settings.CLICK_SPOOL_DIR)
    assert rejected == "rejected-1764000000000000-1-a-1.jsonl"
    lines = Path(settings.CLICK_SPOOL_DIR, rejected).read_bytes().splitlines()
    assert lines[0] == b'{"half a line'
    assert Visit.decode(lines[1]) == refused
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2
    assert loading.drain(wait=False).files == 0  # never read again


def test_a_line_spooled_by_the_previous_version_is_loaded(link, settings):
    row = {
        "id": str(uuid.uuid4()),
        "link_id": str(link.pk),
        "timestamp": "2026-11-25T12:00:00+00:00",
        "ip_address": "81.2.69.142",
        "user_agent": "curl/8.4.0",
        "is_bot": False,
    }
    write_file(settings.CLICK_SPOOL_DIR, "ready-1-a-1.jsonl", [json.dumps(row).encode() + b"\n"])
    assert loading.drain(wait=False).inserted == 1
    click = Click.objects.get()
    assert (click.ip_address, click.is_bot, click.bot_reason) == (
        "81.2.69.142",
        True,
        "ua:http-client",
    )


def test_the_drain_command_loads_spooled_clicks_and_says_how_many(link, settings, capsys):
    write_file(settings.CLICK_SPOOL_DIR, "ready-1-a-1.jsonl", [visit(link), visit(link)])
    call_command("drain_clicks", "--dry-run")
    assert "2 spooled clicks in 1 files" in capsys.readouterr().out
    assert Click.objects.count() == 0
    call_command("drain_clicks")
    assert "2 clicks loaded from 1 files" in capsys.readouterr().out
    assert Click.objects.count() == 2


def test_a_missing_spool_folder_drains_nothing(db, settings):
    assert loading.drain().files == 0


def test_a_click_is_judged_once_the_clicks_of_other_workers_from_that_moment_are_in(link, settings):
    # Worker A's file of a flood is read first; worker B's, with clicks from the same second
    # (some earlier than A's), arrives half a second later. A's clicks are registered at
    # once but judged only BOT_BURST_LATENESS_SECONDS after its newest one, so the first
    # five clicks of the flood stay the only humans, whichever file came first.
    settings.BOT_BURST_LATENESS_SECONDS = 1.0
    start = datetime.now(UTC) - timedelta(seconds=0.5)
    flood = [visit(link, timestamp=start + timedelta(milliseconds=10 * n)) for n in range(40)]
    directory = settings.CLICK_SPOOL_DIR
    write_file(directory, "ready-0000000000000001-1-a-1.jsonl", flood[1::2])
    assert loading.drain().inserted == 0  # not due yet, but registered
    write_file(directory, "ready-0000000000000002-2-b-1.jsonl", flood[0::2])
    time.sleep(1.0)
    assert loading.drain().inserted == 40
    humans = Click.objects.filter(is_bot=False).order_by("timestamp")
    assert [str(c.id) for c in humans] == [v.id for v in flood[:5]]


def test_a_file_that_keeps_failing_for_another_reason_is_set_aside_not_retried_for_ever(
    link, settings, monkeypatch, caplog
):
    def broken(visits):
        raise RuntimeError("a bug in the loader")

    monkeypatch.setattr(loader, "rows", broken)
    write_file(settings.CLICK_SPOOL_DIR, "ready-1764000000000000-1-a-1.jsonl", [visit(link)])
    for _ in range(loading.LOAD_ATTEMPTS):
        assert loading.drain(wait=False).inserted == 0
    assert os.listdir(settings.CLICK_SPOOL_DIR) == ["rejected-1764000000000000-1-a-1.jsonl"]
    assert loading.drain(wait=False).files == 0


def test_a_full_disk_loses_only_what_could_not_be_spooled_and_recovers_by_itself(
    link, small_disk, settings, client
):
    spooled = []
    for _ in range(400):
        item = visit(link, user_agent=CHROME + " " + "x" * 300)
        if not recording.append(item):
            break
        spooled.append(item)
    else:
        pytest.fail("64 KB never filled up")
    assert 0 < len(spooled) < 400
    for _ in range(5):
        assert not recording.append(visit(link, user_agent=CHROME + " " + "x" * 300))
    assert writing.dropped() == 6
    # No half line left behind: every byte in the spool is a whole click.
    lines = spooled_lines(settings.CLICK_SPOOL_DIR)
    assert [Visit.decode(line) for line in lines] == spooled
    health = client.get("/health")
    assert health.status_code == 503
    assert health.json()["recording"]["clicks_dropped"] == 6
    assert health.json()["recording"]["ok"] is False
    # Loading frees the disk first: everything spooled is stored, then new clicks fit.
    assert loading.flush().inserted == len(spooled)
    assert recording.append(visit(link))
    assert loading.flush().inserted == 1
    assert Click.objects.count() == len(spooled) + 1
    assert client.get("/health").status_code == 200


def test_a_half_line_left_by_a_full_disk_never_spoils_the_next_click(link, small_disk, settings):
    filler = fill(small_disk)
    first = visit(link)
    os.truncate(filler, os.path.getsize(filler) - 4096)  # one page free
    written = []
    while recording.append(item := visit(link, user_agent=CHROME + " " + "y" * 500)):
        written.append(item)
    # The failed write got part of its line in before ENOSPC; it was cut off again.
    filler.unlink()
    assert recording.append(first)
    assert loading.flush().inserted == len(written) + 1
    assert os.listdir(settings.CLICK_SPOOL_DIR) == []  # nothing rejected
    assert Click.objects.filter(pk=first.id).exists()


def test_a_full_disk_with_a_half_line_in_a_file_does_not_wedge_loading(link, small_disk, settings):
    good = [visit(link) for _ in range(3)]
    directory = settings.CLICK_SPOOL_DIR
    write_file(directory, "ready-0000000000000001-1-a-1.jsonl", [good[0], b'{"id": "01a2', good[1]])
    write_file(directory, "ready-0000000000000002-1-a-2.jsonl", [good[2]])
    fill(small_disk)
    result = loading.drain(wait=False)
    assert (result.inserted, result.rejected) == (3, 1)
    assert sorted(os.listdir(directory)) == ["rejected-0000000000000001-1-a-1.jsonl"]
    assert Path(directory, "rejected-0000000000000001-1-a-1.jsonl").read_bytes() == b'{"id": "01a2'
    assert recording.append(visit(link))  # the space the loaded files took is free again
    assert loading.flush().inserted == 1


def test_a_read_only_spool_loses_clicks_counted_says_so_and_recovers(
    link, small_disk, settings, client, caplog
):
    assert recording.append(visit(link))
    writing.rotate()  # (a file open for writing would keep the remount from happening)
    write_file(settings.CLICK_SPOOL_DIR, "ready-0000000000000001-1-a-1.jsonl", [b"not a click\n"])
    mount("-o", "remount,ro", str(small_disk))
    try:
        with caplog.at_level(logging.ERROR, logger="analytics.clicks.spool"):
            for _ in range(3):
                assert client.get("/Spl001", HTTP_USER_AGENT=CHROME).status_code == 302
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["recording"]["spool_writable"] is False
        assert health.json()["recording"]["clicks_dropped"] >= 1
        # The click spooled before is loaded all the same; its file is removed later.
        assert loading.flush().inserted == 1
    finally:
        mount("-o", "remount,rw", str(small_disk))
    assert len([r for r in caplog.records if "click not recorded" in r.getMessage()]) == 1
    assert client.get("/Spl001", HTTP_USER_AGENT=CHROME).status_code == 302
    assert loading.flush().inserted == 1
    # Finished once writable: loaded files removed, the unreadable line kept, nothing twice.
    assert os.listdir(settings.CLICK_SPOOL_DIR) == ["rejected-0000000000000001-1-a-1.jsonl"]
    assert Click.objects.count() == 2
    assert client.get("/health").status_code == 200


def test_a_spool_folder_deleted_while_clicks_are_written_loses_none_of_them(link, settings):
    clicks = [visit(link) for _ in range(3)]
    recording.append(clicks[0])
    recording.append(clicks[1])
    for name in os.listdir(settings.CLICK_SPOOL_DIR):
        os.unlink(os.path.join(settings.CLICK_SPOOL_DIR, name))
    os.rmdir(settings.CLICK_SPOOL_DIR)
    recording.append(clicks[2])
    assert loading.flush().inserted == 3


def test_the_spool_size_cap_drops_new_clicks_and_keeps_the_spooled_ones(link, settings):
    line = len(visit(link).encode())
    settings.CLICK_SPOOL_MAX_BYTES = 3 * line
    results = [recording.append(visit(link)) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert writing.dropped() == 2
    assert loading.flush().inserted == 3
    assert recording.append(visit(link))


@pytest.mark.django_db(transaction=True)
def test_the_flusher_thread_loads_clicks_within_a_few_seconds(settings):
    link = LinkFactory()
    settings.CLICK_FLUSH_INTERVAL = 0.05
    settings.CLICK_FLUSHER_THREAD = True
    settings.BOT_BURST_LATENESS_SECONDS = 0.2
    recording.append(visit(link, timestamp=datetime.now(UTC)))
    deadline = time.monotonic() + 10
    while Click.objects.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    flusher.shutdown()
    assert Click.objects.count() == 1


WORKER = """
import os, sys, time
import django
django.setup()
from analytics.clicks import tracking
from analytics.clicks.spool import flusher
link_id, start, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
environ = {
    "REQUEST_METHOD": "GET", "REMOTE_ADDR": "203.0.113.50",
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
    "HTTP_ACCEPT_LANGUAGE": "en", "HTTP_SEC_CH_UA": '"Chromium";v="131"',
}
time.sleep(max(0, start - time.time()))
while time.time() < start + seconds:
    tracking.record(environ, link_id)
    time.sleep(0.002)
flusher.shutdown(timeout=10)
"""


@pytest.mark.django_db(transaction=True)
def test_a_flood_spread_over_three_worker_processes_lets_exactly_five_clicks_through(
    tmp_path, local_redis
):
    link = LinkFactory()
    database = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="macondo.settings",
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}",
        REDIS_URL=local_redis.url,
        REDIS_KEY_PREFIX=local_redis.prefix,
        CLICK_SPOOL_DIR=str(tmp_path / "shared-spool"),
        CLICK_FLUSHER_THREAD="true",
        CLICK_FLUSH_INTERVAL="0.3",
        BOT_BURST_LATENESS_SECONDS="1",
        LOG_LEVEL="WARNING",
    )
    start = time.time() + 6  # every worker booted by then
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", WORKER, str(link.pk), str(start), "2"], cwd=ROOT, env=env
        )
        for _ in range(3)
    ]
    try:
        assert [worker.wait(60) for worker in workers] == [0, 0, 0]
    finally:
        for worker in workers:
            worker.kill()
    clicks = Click.objects.filter(link=link)
    assert clicks.count() > 100
    assert clicks.filter(is_bot=False).count() == 5
    assert not os.listdir(tmp_path / "shared-spool")
