"""Seeds a large database and times the dashboard pages (run through bench/dashboard).

Scale: 200 clients, 2,000 campaigns, 20,000 links, N clicks (default 5,000,000) over a
year, 15% bots, stored in time order as a live table grows (a day's clicks sit together).
Skew: clicks pick link n with n = 20000·u^2.5 (u uniform), so the top link
has ~2% of all clicks and the busiest client (links 1–100) ~12%: one big account, a long tail.
Links, clients, campaigns and tags are written with COPY; clicks are generated inside
PostgreSQL (INSERT … SELECT over generate_series), the fastest way to write millions of rows.
Timings are server time: a request through Django's test client, in this process.
"""

import argparse
import io
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "macondo.settings")

CLIENTS, CAMPAIGNS_PER_CLIENT, LINKS_PER_CLIENT, TAGS = 200, 10, 100, 60
LINKS = CLIENTS * LINKS_PER_CLIENT
# Destinations' UTM tags, cycled over links: the channel panels have a few channels to show.
UTM_TAGS = (
    "?utm_source=facebook&utm_medium=cpc",
    "?utm_source=instagram&utm_medium=social",
    "?utm_source=newsletter&utm_medium=email",
    "",
)


def database_url():
    return os.environ["BENCH_DATABASE_URL"]


def ensure_database():
    url = database_url()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def copy_rows(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(clicks):
    from django.core.management import call_command

    started = time.perf_counter()
    with psycopg.connect(database_url()) as conn, conn.cursor() as cur:
        cur.execute(
            "TRUNCATE clicks, daily_link_clicks, rollup_watermark, link_tags, links, tags, "
            "campaigns, clients, users CASCADE"
        )
        users = [uuid.uuid4() for _ in range(10)]
        copy_rows(
            cur,
            "users",
            [
                "id",
                "email",
                "name",
                "password",
                "is_active",
                "is_staff",
                "is_superuser",
                "created_at",
                "updated_at",
            ],
            [
                (
                    u,
                    f"staff{i}@corp.example",
                    f"Staff {i}",
                    "!",
                    True,
                    False,
                    False,
                    "now()",
                    "now()",
                )
                for i, u in enumerate(users)
            ],
        )
        clients = [uuid.uuid4() for _ in range(CLIENTS)]
        copy_rows(
            cur,
            "clients",
            ["id", "name", "created_at", "updated_at"],
            [(c, f"Client {i:03d}", "now()", "now()") for i, c in enumerate(clients)],
        )
        campaigns = []
        for ci, client in enumerate(clients):
            for k in range(CAMPAIGNS_PER_CLIENT):
                campaigns.append((uuid.uuid4(), f"Campaign {ci:03d}-{k}", client))
        copy_rows(
            cur,
            "campaigns",
            ["id", "name", "client_id", "created_at", "updated_at"],
            [(c[0], c[1], c[2], "now()", "now()") for c in campaigns],
        )
        tags = [uuid.uuid4() for _ in range(TAGS)]
        copy_rows(
            cur,
            "tags",
            ["id", "name", "created_at", "updated_at"],
            [(t, f"tag-{i}", "now()", "now()") for i, t in enumerate(tags)],
        )
        # bench_links maps rank n (1 = the most clicked) to a link id for click generation.
        cur.execute("DROP TABLE IF EXISTS bench_links")
        cur.execute("CREATE TABLE bench_links (n int PRIMARY KEY, id uuid NOT NULL)")
        links, link_tags = [], []
        for n in range(1, LINKS + 1):
            ci = (n - 1) // LINKS_PER_CLIENT
            campaign = campaigns[ci * CAMPAIGNS_PER_CLIENT + n % CAMPAIGNS_PER_CLIENT][0]
            link_id = uuid.uuid4()
            links.append(
                (
                    link_id,
                    f"Link {n}",
                    f"https://example.com/{ci}/page-{n}{UTM_TAGS[n % len(UTM_TAGS)]}",
                    f"b{n:06d}",
                    users[n % 10],
                    clients[ci],
                    campaign if n % 5 else None,
                    n % 50 != 0,
                    True,
                    "2025-01-01T00:00:00Z",
                    "now()",
                )
            )
            link_tags.append((uuid.uuid4(), link_id, tags[n % TAGS], "now()"))
            if n % 3 == 0:
                link_tags.append((uuid.uuid4(), link_id, tags[(n * 7 + 1) % TAGS], "now()"))
        copy_rows(
            cur,
            "links",
            [
                "id",
                "name",
                "original_url",
                "short_code",
                "user_id",
                "client_id",
                "campaign_id",
                "is_active",
                "forward_query",
                "created_at",
                "updated_at",
            ],
            links,
        )
        cur.execute("UPDATE links SET created_at = now() - (random() * interval '365 days')")
        copy_rows(cur, "link_tags", ["id", "link_id", "tag_id", "assigned_at"], link_tags)
        copy_rows(cur, "bench_links", ["n", "id"], [(n, row[0]) for n, row in enumerate(links, 1)])
        conn.commit()
        print(
            f"seeded organisation and {LINKS} links in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        # Secondary indexes are rebuilt after the bulk insert: faster than maintaining them.
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'clicks' "
            "AND indexname NOT LIKE '%%pkey'"
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        batch = 500_000
        done = 0
        while done < clicks:
            size = min(batch, clicks - done)
            cur.execute(
                """
                INSERT INTO clicks (id, link_id, timestamp, ip_address, user_agent, country,
                    city, is_bot, bot_reason, referrer, browser, os, device_type, bot_score,
                    asn_number, asn_org, is_qr)
                SELECT gen_random_uuid(), l.id,
                    now() - interval '365 days' + (g::float8 / %s) * interval '365 days',
                    -- A visitor pool of 2^17 addresses (198.18.0.0/15, the benchmarking
                    -- range), each clicking now and then: unique visitors stay below clicks.
                    '198.18.0.0'::inet + ((g::bigint * 7919) %% 131072),
                    (ARRAY['Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)',
                           'Mozilla/5.0 (Linux; Android 14) Chrome/131.0',
                           'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0'])[1 + g %% 3],
                    c.country, c.city, r.bot,
                    CASE WHEN r.bot THEN (ARRAY['ua:crawler', 'ua:preview,net:datacenter',
                        'net:datacenter,headers:no-client-hints', 'burst'])[1 + g %% 4] END,
                    (ARRAY[NULL, 'https://www.instagram.com/', 'https://l.facebook.com/l.php',
                           'https://www.google.com/', 'https://t.co/x', NULL])[1 + g %% 6],
                    (ARRAY['Chrome', 'Safari', 'Chrome Mobile', 'Firefox', 'Edge',
                           'Samsung Internet'])[1 + (g / 7) %% 6],
                    (ARRAY['Android', 'iOS', 'Windows', 'Mac OS X', 'Linux'])[1 + (g / 3) %% 5],
                    (ARRAY['mobile', 'mobile', 'desktop', 'tablet'])[1 + (g / 11) %% 4],
                    CASE WHEN r.bot THEN 90 ELSE 0 END,
                    n.asn, n.org,
                    NOT r.bot AND g %% 10 = 0
                FROM generate_series(%s, %s) AS g
                CROSS JOIN LATERAL (SELECT random() + 0 * g < 0.15 AS bot,
                    1 + floor(%s * power(random() + 0 * g, 2.5))::int AS n) AS r
                JOIN bench_links l ON l.n = r.n
                CROSS JOIN LATERAL (SELECT (ARRAY['CO','CO','CO','MX','US','ES','AR','PE','CL',
                    'BR','GB','DE'])[1 + floor(12 * power(random() + 0 * g, 1.5))::int] AS country,
                    (ARRAY['Bogotá','Medellín','Cali','Barranquilla','Ciudad de México',
                    'Madrid','Buenos Aires','Lima','Miami','Santiago'])[1 + g %% 10] AS city) AS c
                -- Bots mostly from cloud networks, people from carriers.
                CROSS JOIN LATERAL (SELECT
                    CASE WHEN r.bot THEN (ARRAY[16509, 15169, 14061, 10620])[1 + g %% 4]
                         ELSE (ARRAY[10620, 13489, 27831, 3816, 19429])[1 + g %% 5] END AS asn,
                    CASE WHEN r.bot THEN (ARRAY['AMAZON-02', 'GOOGLE', 'DIGITALOCEAN-ASN',
                         'Telmex Colombia S.A.'])[1 + g %% 4]
                         ELSE (ARRAY['Telmex Colombia S.A.', 'EPM Telecomunicaciones S.A. E.S.P.',
                         'Colombia Movil', 'COLOMBIA TELECOMUNICACIONES S.A. ESP BIC',
                         'ETB - Colombia'])[1 + g %% 5] END AS org) AS n
                """,
                [clicks, done + 1, done + size, LINKS],
            )
            done += size
            conn.commit()
            print(f"  clicks: {done:,} ({time.perf_counter() - started:.0f}s)", flush=True)
        for _, definition in indexes:
            cur.execute(definition)
        conn.commit()
    with psycopg.connect(database_url(), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"seeded {clicks:,} clicks in {time.perf_counter() - started:.0f}s", flush=True)
    rolled = time.perf_counter()
    call_command("rollup_clicks", stdout=io.StringIO())
    with psycopg.connect(database_url(), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE daily_link_clicks")
    print(f"rollup_clicks (first run, a year) took {time.perf_counter() - rolled:.0f}s", flush=True)


def timed(client, url, runs):
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def measure(runs):
    from django.db import connection
    from django.test import Client as TestClient

    from accounts.models import User
    from analytics.models import Click, DailyLinkClicks
    from links.models import Campaign, Client, Link

    user, _ = User.objects.get_or_create(email="bench@corp.example", defaults={"name": "Bench"})
    client = TestClient()
    client.force_login(user)
    busy_client = Client.objects.get(name="Client 000")
    top_link = Link.objects.get(short_code="b000001")
    # The top link's campaign: the busiest campaign there is.
    busy_campaign = top_link.campaign
    mid_link = Link.objects.get(short_code="b005000")
    # The busiest campaign of each of the five busiest clients: the compare page's worst case.
    five = [
        Campaign.objects.filter(client__name=f"Client {n:03d}").order_by("name").first().pk
        for n in range(5)
    ]
    compared = "&".join(f"ids={pk}" for pk in five)
    print(
        f"\ndatabase: {Click.objects.count():,} clicks, {Link.objects.count():,} links, "
        f"{DailyLinkClicks.objects.count():,} rollup rows; PostgreSQL "
        f"{connection.cursor().connection.info.server_version}"
    )
    pages = [
        ("overview", "/dashboard/"),
        ("client (busiest), 30 d", f"/dashboard/clients/{busy_client.pk}/"),
        ("client (busiest), 90 d", f"/dashboard/clients/{busy_client.pk}/?range=90d"),
        ("client (busiest), 24 h", f"/dashboard/clients/{busy_client.pk}/?range=24h"),
        ("campaign, 30 d", f"/dashboard/campaigns/{busy_campaign.pk}/"),
        (
            "campaign, 90 d + year",
            f"/dashboard/campaigns/{busy_campaign.pk}/?range=90d&compare=year",
        ),
        ("link (top), 30 d", f"/dashboard/links/{top_link.pk}/"),
        ("link (top), 90 d", f"/dashboard/links/{top_link.pk}/?range=90d"),
        ("link (top), 24 h", f"/dashboard/links/{top_link.pk}/?range=24h"),
        ("link (top), 30 d + year", f"/dashboard/links/{top_link.pk}/?compare=year"),
        ("link (typical), 30 d", f"/dashboard/links/{mid_link.pk}/"),
        ("link list", "/dashboard/links/"),
        ("link list, sort by clicks", "/dashboard/links/?sort=clicks&period=30"),
        (
            "link list, filters",
            f"/dashboard/links/?client={busy_client.pk}&status=active&tag=tag-1&sort=clicks",
        ),
        ("link list, search", "/dashboard/links/?q=page-12"),
        ("clients list", "/dashboard/clients/"),
        ("client (busiest), 30 d + year", f"/dashboard/clients/{busy_client.pk}/?compare=year"),
        ("overview + year", "/dashboard/?compare=year"),
        ("campaigns list", "/dashboard/campaigns/"),
        ("clients list, 90 d", "/dashboard/clients/?range=90d"),
        ("compare 5 campaigns, 30 d", f"/dashboard/compare/?kind=campaigns&{compared}"),
        (
            "invalid traffic, client, 30 d",
            f"/dashboard/clients/{busy_client.pk}/invalid-traffic/",
        ),
        (
            "invalid traffic, campaign, 90 d",
            f"/dashboard/campaigns/{busy_campaign.pk}/invalid-traffic/?range=90d",
        ),
    ]
    print(f"\n{'page':32} {'p50 ms':>8} {'p95 ms':>8}   ({runs} runs each)")
    worst = 0
    for label, url in pages:
        p50, p95 = timed(client, url, runs)
        worst = max(worst, p95)
        print(f"{label:32} {p50:8.1f} {p95:8.1f}", flush=True)
    export(client, f"/dashboard/clients/{busy_client.pk}/clicks.csv?range=30d", runs)


def _download(client, url):
    start = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, url
    size = rows = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    return rows - 1, size, time.perf_counter() - start


def export(client, url, runs):
    """The raw-click CSV timed like the pages: the first download (cold caches) printed
    apart, then the median of the runs after it."""
    rows, size, first = _download(client, url)
    samples = sorted(_download(client, url)[2] for _ in range(max(3, runs // 4)))
    median = statistics.median(samples)
    print(
        f"\nraw-click CSV, busiest client, 30 d: {rows:,} rows, {size / 1e6:.1f} MB\n"
        f"  first run: {first:.2f}s = {rows / first:,.0f} rows/s\n"
        f"  median of {len(samples)} runs after it: {median:.2f}s = {rows / median:,.0f} rows/s "
        f"(fastest {samples[0]:.2f}s, slowest {samples[-1]:.2f}s)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="Skip seeding.")
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    # Also with --reuse: a database seeded by an older checkout gets the newer migrations.
    call_command("migrate", verbosity=0)
    if not args.reuse:
        seed(args.clicks)
    measure(args.runs)


if __name__ == "__main__":
    main()
