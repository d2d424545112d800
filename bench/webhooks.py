"""Prints what webhooks cost the rest of the product, and what the worker sends per second.

- the click loader's call with no subscription (`clicks_recorded`, cached answer): time per
  call and queries per 1,000 batches;
- loading 5,000-click batches from the spool without and with a clicks.recorded
  subscription (the lookup of the stored clicks and the event written per batch);
- `links.services.create_link` without and with a subscription (its event and delivery);
- one `deliver_webhooks` worker against a local receiver that answers at once.

Runs on a PostgreSQL database of its own, created on the server of BENCH_DATABASE_SERVER
(default postgres://postgres@127.0.0.1:5432) and dropped at the end. Figures vary by
+-30% on a shared machine. `--quick` runs fewer rounds.
"""

import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUICK = "--quick" in sys.argv
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
NAME = f"bench_webhooks_{uuid.uuid4().hex[:8]}"

os.environ.update(
    DJANGO_SETTINGS_MODULE="macondo.settings",
    DEBUG="true",
    DATABASE_URL=f"{SERVER}/{NAME}",
    REDIS_URL="",
    CLICK_FLUSHER_THREAD="false",
    CLICK_SPOOL_DIR=tempfile.mkdtemp(prefix=f"{NAME}-spool-"),
    WEBHOOKS_ALLOW_HTTP="true",
    WEBHOOKS_ALLOW_PRIVATE_TARGETS="true",
    LOG_LEVEL="WARNING",
)


def admin_connection():
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def click_rows(links, count):
    return [
        {
            "id": str(uuid.uuid4()),
            "link_id": str(links[i % len(links)].pk),
            "timestamp": "2026-11-25T12:00:00+00:00",
            "ip_address": "81.2.69.142",
            "user_agent": "Mozilla/5.0 Chrome/131.0",
            "is_bot": i % 7 == 0,
        }
        for i in range(count)
    ]


def load_batches(recording, loading, links, batches, size):
    """Seconds per loaded batch of `size` clicks."""
    times = []
    for _ in range(batches):
        for row in click_rows(links, size):
            recording.append(row)
        started = time.perf_counter()
        loading.flush()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from analytics.clicks.spool import loading, recording
    from links import services as links
    from links.models import Client
    from webhooks import delivery, events
    from webhooks.models import Delivery, Subscription

    call_command("migrate", verbosity=0)
    user = User.objects.create(email="bench@corp.example", name="Bench")
    client = Client.objects.create(name="Bench client")
    targets = [
        links.create_link(user=user, client=client, original_url=f"https://shop.example/{i}")
        for i in range(200)
    ]

    print("clicks_recorded with no subscription (cached answer)")
    rows = click_rows(targets, 5000)
    events.forget_subscriptions()
    calls = 100_000 if QUICK else 1_000_000
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for _ in range(calls):
            events.clicks_recorded(rows)
        elapsed = time.perf_counter() - started
    print(
        f"  {elapsed / calls * 1e9:.0f} ns per call (a 5,000-row batch), {len(queries)} queries in {calls:,} calls"
    )

    batches = 5 if QUICK else 20
    without = load_batches(recording, loading, targets, batches, 5000)
    Subscription.objects.create(
        owner=user, url="https://hooks.example.com/", events=["clicks.recorded"]
    )
    with_one = load_batches(recording, loading, targets, batches, 5000)
    print("loading a 5,000-click batch (median)")
    print(
        f"  no subscription: {without * 1000:.1f} ms; one clicks.recorded: {with_one * 1000:.1f} ms"
    )
    stored = click_rows(targets, 5000)
    for row in stored:
        recording.append(row)
    loading.flush()
    wall, cpu = [], []
    for _ in range(batches):
        started, started_cpu = time.perf_counter(), time.process_time()
        events.clicks_recorded(stored)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print("clicks_recorded of a stored 5,000-click batch, one subscription (median)")
    print(
        f"  {statistics.median(wall) * 1000:.1f} ms, this process's CPU {statistics.median(cpu) * 1000:.1f} ms"
    )
    Subscription.objects.all().delete()

    def create_times(n):
        wall, cpu = [], []
        for i in range(n):
            started, started_cpu = time.perf_counter(), time.process_time()
            links.create_link(user=user, client=client, original_url=f"https://shop.example/c{i}")
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        return (
            f"{statistics.median(wall) * 1000:.2f} ms (CPU {statistics.median(cpu) * 1000:.2f} ms)"
        )

    n = 100 if QUICK else 500
    create_times(20)  # warm
    plain = create_times(n)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Subscription.objects.create(
        owner=user, url=f"http://127.0.0.1:{server.server_address[1]}/hook", events=["link.created"]
    )
    subscribed = create_times(n)
    print("create_link p50")
    print(f"  no subscription: {plain}; one subscription: {subscribed}")

    pending = Delivery.objects.filter(status="pending").count()
    started = time.perf_counter()
    done = delivery.deliver_once()
    elapsed = time.perf_counter() - started
    print("one worker, local receiver answering 204 at once")
    print(
        f"  {done.delivered} of {pending} delivered in {elapsed:.2f} s: {done.delivered / elapsed:.0f} deliveries/s"
    )
    server.shutdown()
    connection.close()


if __name__ == "__main__":
    with admin_connection() as db:
        db.execute(f'CREATE DATABASE "{NAME}"')
    try:
        main()
    finally:
        with admin_connection() as db:
            db.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
