"""bench/click_cost: what recording a click costs in-process, in the redirect and in the loader.

Runs in this process, no server: Django on a PostgreSQL database of its own (BENCH_DATABASE,
default macondo_bench_click_cost on BENCH_PG), one cached link, the GeoIP test databases and
Redis for bursts (BENCH_REDIS_URL, default redis://127.0.0.1:6379/4; "" for none). Prints:

- the redirect: `links.fast_redirect.answer(environ)` per request (cached link, click
  recorded), mean and p99, for a mix of 5 browser user agents (what every cache holds) and
  for user agents this process has never seen;
- the loader: `analytics.clicks.spool.loading.flush()` per click for what those redirects spooled;
- their sum: the CPU one click costs the worker in all.

The figures are for comparing two versions of the code on one machine, run by turns; on a
machine shared with other work they vary by +-20 %.
"""

import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

from geoip_files import write_geoip

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DATABASE", "macondo_bench_click_cost")
GEOIP = ROOT / "bench" / "out" / "click_cost" / "geoip"
QUICK = "--quick" in sys.argv
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
)


def environment():
    return {
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "BEHIND_TLS_PROXY": "true",
        "TRUSTED_PROXY_COUNT": "1",
        "STATIC_MANIFEST": "false",
        "CLICK_SPOOL_DIR": str(ROOT / "bench" / "out" / "click_cost" / "spool"),
        "CLICK_FLUSHER_THREAD": "false",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"),
        "LOG_LEVEL": "WARNING",
        "GEOIP_CITY_DB": str(GEOIP / "city.mmdb"),
        "GEOIP_ASN_DB": str(GEOIP / "asn.mmdb"),
        "DJANGO_SETTINGS_MODULE": "macondo.settings",
    }


def prepare():
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
    write_geoip(GEOIP)
    os.environ.update(environment())
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def environ(code, user_agent):
    ip = f"{random.randint(1, 223)}.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/{code}",
        "QUERY_STRING": "utm_source=bench",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": ip,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_USER_AGENT": user_agent,
        "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9",
    }


def timed(environs, answer):
    """(CPU seconds per request, wall seconds of each request). CPU time is the figure to
    compare: on a shared machine the wall time includes other processes' turns."""
    spent = []
    cpu_started = time.thread_time()
    for item in environs:
        started = time.perf_counter()
        result = answer(item)
        spent.append(time.perf_counter() - started)
        assert result and result[0] == "302 Found", result
    return (time.thread_time() - cpu_started) / len(environs), spent


def describe(label, measured):
    cpu, spent = measured
    spent = sorted(spent)
    median = spent[len(spent) // 2] * 1e6
    p99 = spent[int(len(spent) * 0.99)] * 1e6
    print(
        f"{label:<36} CPU {cpu * 1e6:7.1f} µs a request   wall p50 {median:7.1f} µs  "
        f"p99 {p99:8.1f} µs   ({len(spent):,} requests)"
    )
    return cpu * 1e6


def load(loading, count):
    started = time.thread_time()
    result = loading.flush()
    per_click = (time.thread_time() - started) / max(count, 1) * 1e6
    print(
        f"{'    loaded by loading.flush()':<36} CPU {per_click:7.1f} µs a click ({result.inserted:,} stored)"
    )
    return per_click


def main():
    prepare()
    from accounts.models import User
    from analytics.clicks import tracking
    from analytics.clicks.spool import loading
    from analytics.models import Click
    from links import fast_redirect, resolver
    from links.models import Client, Link
    from links.shortcodes import generate_code

    Click.objects.all().delete()
    Link.objects.all().delete()
    user = User.objects.filter(email="bench@corp.example").first() or User.objects.create_user(
        email="bench@corp.example"
    )
    client = Client.objects.create(name=f"Bench {secrets.token_hex(3)}")
    link = Link.objects.create(
        name="cost",
        short_code=generate_code(),
        original_url="https://shop.example/p?ref=bench",
        user=user,
        client=client,
    )
    tracking.warm_up()
    resolver.forget()
    resolver.resolve(link.short_code)
    loading.flush()
    known_count = 5_000 if QUICK else 20_000
    unseen_count = 2_000 if QUICK else 5_000
    known = [environ(link.short_code, random.choice(USER_AGENTS)) for _ in range(known_count)]
    unseen = [
        environ(
            link.short_code,
            USER_AGENTS[n % 5]
            .replace("Chrome/13", f"Chrome/{n}.{n % 97}.13")
            .replace("Version/17", f"Version/{n}.{n % 89}.17")
            .replace("rv:132.0", f"rv:{n}.0"),
        )
        for n in range(unseen_count)
    ]
    print(f"GeoIP from {GEOIP}; Redis {os.environ['REDIS_URL'] or '(none)'}")
    timed(known[:500], fast_redirect.answer)  # warm up
    loading.flush()
    request_known = describe("redirect, 5 known user agents", timed(known, fast_redirect.answer))
    load_known = load(loading, len(known))
    request_unseen = describe(
        "redirect, never-seen user agents", timed(unseen, fast_redirect.answer)
    )
    load_unseen = load(loading, len(unseen))
    print(
        f"per click in all (redirect + loader): known {request_known + load_known:.1f} µs, "
        f"never seen {request_unseen + load_unseen:.1f} µs"
    )
    Click.objects.all().delete()
    link.delete()


if __name__ == "__main__":
    main()
