"""Prints what one scheduled report email costs to build and send.

- the figures of a client's week (totals of the week and the one before, days, top links,
  top campaigns, bots), the PNG chart, the WeasyPrint PDF, the whole message;
- `send_due` for 20 subscriptions through a local SMTP server (aiosmtpd): emails per second.

Runs on a PostgreSQL database of its own, created on the server of BENCH_DATABASE_SERVER
(default postgres://postgres@127.0.0.1:5432) and dropped at the end, with 200 links in 10
campaigns and CLICKS clicks (default 200,000) over the last 60 days, rolled up.
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
NAME = f"bench_reports_{uuid.uuid4().hex[:8]}"
CLICKS = int(os.environ.get("CLICKS", "200000"))

os.environ.update(
    DJANGO_SETTINGS_MODULE="macondo.settings",
    DEBUG="true",
    DATABASE_URL=f"{SERVER}/{NAME}",
    REDIS_URL="",
    CLICK_FLUSHER_THREAD="false",
    CLICK_SPOOL_DIR=tempfile.mkdtemp(prefix=f"{NAME}-spool-"),
    LOG_LEVEL="WARNING",
)


def admin_connection():
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def timed(label, fn, rounds=5):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    print(
        f"  {label:<44} median {statistics.median(times) * 1000:7.1f} ms  (best of {rounds}: {min(times) * 1000:.1f} ms)"
    )
    return result


def main():
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from links.models import Campaign, Client, Link
    from mailings import delivery, figures, periods
    from mailings.chart import png_bar_chart
    from mailings.emails import build_message
    from mailings.models import SECTION_NAMES, ReportSubscription
    from mailings.pdf import render_pdf
    from mailings.tests.smtp import SMTPServer

    call_command("migrate", verbosity=0)
    user = User.objects.create(email="bench@corp.example", name="Bench")
    client = Client.objects.create(name="Bench client")
    campaigns = [Campaign.objects.create(client=client, name=f"Campaign {i}") for i in range(10)]
    links = Link.objects.bulk_create(
        Link(
            client=client,
            campaign=campaigns[i % 10],
            user=user,
            name=f"Link {i}",
            original_url=f"https://shop.example/{i}",
            short_code=f"bench{i:04d}",
        )
        for i in range(200)
    )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO clicks (id, link_id, timestamp, ip_address, user_agent, is_bot)
            SELECT gen_random_uuid(), (%s::uuid[])[1 + (n %% 200)],
                   now() - (random() * interval '60 days'), '81.2.69.142', 'Mozilla/5.0',
                   n %% 9 = 0
            FROM generate_series(1, %s) AS n
            """,
            [[str(link.pk) for link in links], CLICKS],
        )
    call_command("rollup_clicks", verbosity=0)
    print(
        f"seeded {CLICKS:,} clicks over 60 days and rolled up in {time.perf_counter() - start:.1f} s"
    )

    subscription = ReportSubscription.objects.create(
        client=client,
        recipients=["ana@client.example"],
        frequency="weekly",
        sections=list(SECTION_NAMES),
        created_by=user,
    )
    week = periods.latest_complete("weekly")
    print("one weekly client report (10 campaigns, 200 links):")
    numbers = timed(
        "figures (report module queries)", lambda: figures.report_figures(subscription, week)
    )
    chart = timed("PNG chart (Pillow)", lambda: png_bar_chart(numbers["series"]))
    print(f"    PNG size {len(chart) / 1024:.1f} KiB")
    context = {
        "subscription": subscription,
        "name": client.name,
        "figures": numbers,
        "period_label": "x",
        "previous_label": "y",
        "report_url": "https://x",
        "chart_src": None,
    }
    pdf = timed("PDF (WeasyPrint, without the chart)", lambda: render_pdf(context))
    message = timed(
        "whole message (figures, chart, PDF)",
        lambda: build_message(subscription, week, "https://x"),
    )
    size = len(message.message().as_bytes())
    print(f"    PDF {len(pdf) / 1024:.1f} KiB; whole email {size / 1024:.1f} KiB")

    ReportSubscription.objects.bulk_create(
        ReportSubscription(
            client=client,
            recipients=[f"r{i}@client.example"],
            frequency="weekly",
            sections=list(SECTION_NAMES),
            created_by=user,
        )
        for i in range(19)
    )
    with SMTPServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        start = time.perf_counter()
        outcome = delivery.send_due(latest=True)
        elapsed = time.perf_counter() - start
        smtp.inbox.wait_for(len(outcome.sent))
    print(
        f"send_due: {len(outcome.sent)} emails sent in {elapsed:.2f} s ({len(outcome.sent) / elapsed:.1f} emails/s, one process)"
    )
    connection.close()


if __name__ == "__main__":
    with admin_connection() as db:
        db.execute(f'CREATE DATABASE "{NAME}"')
    try:
        main()
    finally:
        with admin_connection() as db:
            db.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
