"""Times the public API on a big database (run through bench/api).

The database is bench/dashboard's: 200 clients, 2,000 campaigns, 20,000 links and N clicks
(default 5,000,000) over a year, the busiest client with ~12% of them, rolled up as
production would be. Timings are server time: requests through Django's test client (the
whole middleware stack and the API), in this process, with Redis as in production.
"""

import argparse
import importlib.util
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "macondo.settings")
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## bench/api"


def dashboard_bench():
    spec = importlib.util.spec_from_file_location(
        "bench_dashboard", ROOT / "bench" / "dashboard.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * fraction + 0.5) - 1)]


def timed(call, runs, warmup=2):
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


def measure(runs):
    from django.db import connection
    from django.test import Client as TestClient
    from django.test import RequestFactory

    from accounts.models import User
    from analytics.models import Click
    from api import keys
    from api.auth import KeyAuth
    from links.models import Client, Link

    user, _ = User.objects.get_or_create(email="bench@corp.example", defaults={"name": "Bench"})
    secret = keys.issue(
        user=user, name="bench", scopes=["links:read", "links:write", "stats:read"]
    ).secret
    http = TestClient(headers={"Authorization": f"Bearer {secret}"})
    busy = Client.objects.get(name="Client 000")
    rows = []

    def check(response, status=200):
        assert response.status_code == status, response.content[:500]
        return response

    def create_one():
        check(
            http.post(
                "/api/v1/links",
                {
                    "original_url": f"https://example.com/{uuid.uuid4()}",
                    "client_id": str(busy.pk),
                    "tags": ["bench"],
                },
                content_type="application/json",
            ),
            201,
        )

    p50, p95 = timed(create_one, runs * 10)
    rows.append(
        ("create one link", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms ({runs * 10} runs)", p50 <= 25)
    )

    def bulk():
        items = [
            {
                "original_url": f"https://example.com/bulk/{uuid.uuid4()}",
                "client_id": str(busy.pk),
                "tags": ["bulk"],
            }
            for _ in range(1000)
        ]
        check(
            http.post("/api/v1/links/bulk", {"links": items}, content_type="application/json"), 201
        )

    samples = []
    for _ in range(3):
        start = time.perf_counter()
        bulk()
        samples.append(time.perf_counter() - start)
    best, median = min(samples), statistics.median(samples)
    rows.append(
        (
            "bulk create of 1,000 links",
            f"median {median:.2f} s (best {best:.2f} s, 3 runs)",
            median <= 3,
        )
    )

    for label, query in (("30 days (default)", ""), ("90 days", "?from={from90}")):
        now = datetime.now(UTC)
        from90 = now.replace(microsecond=0).timestamp() - 89 * 86400
        url = f"/api/v1/clients/{busy.pk}/stats" + query.format(
            from90=datetime.fromtimestamp(from90, UTC).strftime("%Y-%m-%dT00:00:00Z")
        )
        p50, p95 = timed(lambda url=url: check(http.get(url)), runs)
        rows.append(
            (
                f"stats of the busiest client, {label}",
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms ({runs} runs)",
                p95 <= 300,
            )
        )

    def list_all(pages=100):
        cursor, seen = None, 0
        for _ in range(pages):
            query = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            body = check(http.get("/api/v1/links", query)).json()
            seen += len(body["items"])
            cursor = body["next_cursor"]
        return seen

    list_all(5)
    start = time.perf_counter()
    seen = list_all()
    elapsed = time.perf_counter() - start
    rows.append(
        (
            "listing 10,000 links by pages of 100",
            f"{seen / elapsed:,.0f} links/s ({seen:,} links in {elapsed:.2f} s)",
            seen / elapsed >= 2000,
        )
    )

    # Authentication alone: what KeyAuth costs a request (header, lookup, rate bucket, use
    # record), with the per-worker cache and Redis (production) and without Redis.
    from django.conf import settings

    auth = KeyAuth("links:read")
    factory = RequestFactory()
    request = factory.get("/api/v1/links", HTTP_AUTHORIZATION=f"Bearer {secret}")
    count = 2000
    for label, redis_url in (
        ("with Redis (cache + stamp + rate bucket)", settings.REDIS_URL),
        ("without Redis (a query per request)", ""),
    ):
        settings.REDIS_URL = redis_url
        keys.forget()
        for _ in range(50):
            auth(request)
        start = time.perf_counter()
        for _ in range(count):
            auth(request)
        per_request = (time.perf_counter() - start) / count * 1000
        rows.append(
            (
                f"authentication per request, {label}",
                f"{per_request:.3f} ms (mean of {count:,})",
                per_request <= 1,
            )
        )

    facts = (
        f"{Click.objects.count():,} clicks, {Link.objects.count():,} links; PostgreSQL "
        f"{connection.cursor().connection.info.server_version}; load average "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    return rows, facts


def report(rows, facts, clicks_seeded):
    lines = [
        SECTION,
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (`bench/api`{'' if clicks_seeded is None else f' --clicks {clicks_seeded}'}): {facts}.",
        "Server time through Django's test client (the whole middleware stack), with Redis. "
        "Targets: create p50 ≤ 25 ms, bulk ≤ 3 s, stats p95 ≤ 300 ms, listing ≥ 2,000 "
        "links/s, authentication ≤ 1 ms (with Redis a key is cached for seconds; without it "
        "nothing is, so that a revocation reaches every worker).",
        "",
        "| measure | figure | target met |",
        "| --- | --- | --- |",
        *[f"| {label} | {figure} | {'yes' if met else 'NO'} |" for label, figure, met in rows],
        "",
    ]
    text = "\n".join(lines)
    print("\n" + text)
    existing = (
        RESULTS.read_text()
        if RESULTS.exists()
        else "# Benchmark results\n\nThe latest run of each benchmark; each run replaces its own section.\n\n"
    )
    if SECTION in existing:
        start = existing.index(SECTION)
        following = existing.find("\n## ", start + len(SECTION))
        existing = (
            existing[:start] + text + ("\n" + existing[following + 1 :] if following != -1 else "")
        )
    else:
        existing = existing.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(existing.rstrip("\n") + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="Skip seeding.")
    args = parser.parse_args()
    seeding = dashboard_bench()
    seeding.ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not args.reuse:
        seeding.seed(args.clicks)
    rows, facts = measure(args.runs)
    report(rows, facts, None if args.reuse else args.clicks)


if __name__ == "__main__":
    main()
