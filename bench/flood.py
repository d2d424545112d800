"""bench/flood: clicks stored as human under floods, against what the bot rules let through.

Starts, on free ports, a Redis of its own and gunicorn with gunicorn.conf.py and production
settings (DEBUG off, behind a TLS proxy, one trusted proxy; WEB_CONCURRENCY workers, 3 unless
set) on its own PostgreSQL database (BENCH_DATABASE), then, each on a link of its own:

  (1) one IP and one user agent at full speed (wrk);
  (2) one IP, a new user agent every 5 requests, at full speed (wrk);
  (3) a NAT crowd: one IP, every click a distinct user agent, one click every 1.3 s for 60 s.

For each it prints the redirects served, the clicks stored, those stored as human, and how
many the rules let through for those very timestamps (the rules applied by brute force to the
stored clicks: a click is a burst when COUNT clicks of its key, itself included, fall within
[t - WINDOW, t]). Targets: (1) equal to the rule's allowance (5 with the default count of 6),
(2) at most what the address rule lets through, (3) all human. The figures go to
bench/RESULTS.md too (its "bench/flood" section is replaced). BENCH_APP_ROOT runs another
checkout's server with this script (to compare with older code).
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("BENCH_APP_ROOT") or HERE.parent).resolve()
OUT = HERE / "out" / "flood"
DATABASE = os.environ.get("BENCH_DATABASE", "macondo_bench_flood")
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
RESULTS = HERE / "RESULTS.md"
# Defaults of macondo/settings.py; the server gets these exact values.
RULES = {
    "BOT_BURST_COUNT": 6,
    "BOT_BURST_WINDOW_SECONDS": 30,
    "BOT_BURST_IP_COUNT": 60,
    "BOT_BURST_IP_WINDOW_SECONDS": 60,
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port):
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=open(OUT / "redis.log", "wb"),  # noqa: SIM115 (outlives this function)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.1)
    sys.exit("redis-server did not start")


def server_env(port, redis_port):
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY="bench-" + secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"{SERVER}/{DATABASE}",
        BEHIND_TLS_PROXY="true",
        TRUSTED_PROXY_COUNT="1",
        STATIC_MANIFEST="false",
        CLICK_SPOOL_DIR=str(OUT / "spool"),
        PORT=str(port),
        GUNICORN_ACCESSLOG=str(OUT / "access.log"),
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "3"),
        **{name: str(value) for name, value in RULES.items()},
    )
    return env


def prepare_database(env, links):
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with psycopg.connect(f"{SERVER}/{DATABASE}", autocommit=True) as database:
        database.execute(
            "TRUNCATE clicks, link_tags, links, tags, campaigns, clients, users CASCADE"
        )
        user, client = uuid.uuid4(), uuid.uuid4()
        database.execute(
            "INSERT INTO users (id, password, email, name, is_superuser, is_staff, is_active, "
            "created_at, updated_at) "
            "VALUES (%s, '!', 'flood@corp.example', 'Flood', false, false, true, now(), now())",
            [user],
        )
        database.execute(
            "INSERT INTO clients (id, name, created_at, updated_at) VALUES (%s, 'Flood', now(), now())",
            [client],
        )
        codes = {}
        for name in links:
            code = "Fl" + secrets.token_hex(3)
            database.execute(
                "INSERT INTO links (id, name, original_url, short_code, user_id, client_id, "
                "is_active, forward_query, created_at, updated_at) "
                "VALUES (%s, %s, 'https://shop.example/', %s, %s, %s, true, false, now(), now())",
                [uuid.uuid4(), name, code, user, client],
            )
            codes[name] = code
    return codes


def start_server(env, port):
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "macondo.wsgi:application", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=open(OUT / "server.log", "ab"),  # noqa: SIM115 (outlives this function)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited, see {OUT / 'server.log'}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health", headers={"X-Forwarded-Proto": "https"})
            connection.getresponse().read()
            connection.close()
            return process
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not answer within 90 s")


def served(path):
    pattern = re.compile(rf'"GET {re.escape(path)} HTTP/[\d.]+" 302 ')
    with open(OUT / "access.log", encoding="latin-1") as log:
        return sum(1 for line in log if pattern.search(line))


def stored(code):
    import psycopg

    with psycopg.connect(f"{SERVER}/{DATABASE}") as database:
        return database.execute(
            "SELECT c.timestamp, c.user_agent, c.is_bot FROM clicks c JOIN links l "
            "ON l.id = c.link_id WHERE l.short_code = %s ORDER BY c.timestamp",
            [code],
        ).fetchall()


def wait_for(code, path, timeout=90):
    """The stored clicks once they match the redirects served (or stop changing)."""
    started = last_change = time.monotonic()
    last = None
    while True:
        rows = stored(code)
        now = time.monotonic()
        if len(rows) != last:
            last, last_change = len(rows), now
        elif len(rows) >= served(path) or now - last_change > 15 or now - started > timeout:
            return rows
        time.sleep(0.5)


def allowed(rows):
    """How many of these clicks the rules leave human, by brute force over their times."""
    times = [row[0].timestamp() for row in rows]
    agents = [row[1] for row in rows]
    agent_window, agent_count = RULES["BOT_BURST_WINDOW_SECONDS"], RULES["BOT_BURST_COUNT"]
    ip_window, ip_count = RULES["BOT_BURST_IP_WINDOW_SECONDS"], RULES["BOT_BURST_IP_COUNT"]
    humans = ip_humans = 0
    first = 0
    for n, t in enumerate(times):
        while times[first] < t - ip_window:
            first += 1
        same_ip = n - first + 1 + sum(1 for s in times[n + 1 :] if s == t)
        same_agent = sum(
            1
            for m in range(first, len(times))
            if agents[m] == agents[n] and t - agent_window <= times[m] <= t
        )
        ip_human = same_ip < ip_count
        ip_humans += ip_human
        humans += ip_human and same_agent < agent_count
    return humans, ip_humans


def wrk(port, path, ip, rotate, seconds, connections):
    env = dict(os.environ, FLOOD_PATH=path, FLOOD_IP=ip, FLOOD_ROTATE=str(rotate))
    subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(HERE / "flood.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        check=True,
        capture_output=True,
    )


def crowd(port, path, ip, people, seconds):
    for n in range(people):
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request(
            "GET",
            path,
            headers={
                "User-Agent": f"Mozilla/5.0 (Linux; Android 14; SM-A{n:03d}) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Accept-Language": "en-GB,en;q=0.9",
                "Sec-CH-UA": '"Chromium";v="131", "Google Chrome";v="131"',
                "X-Forwarded-For": ip,
                "X-Forwarded-Proto": "https",
            },
        )
        connection.getresponse().read()
        connection.close()
        time.sleep(max(0.0, seconds / people - (time.monotonic() - started)))


def record(lines):
    section = "## bench/flood\n\n" + "\n".join(lines) + "\n"
    text = (
        RESULTS.read_text()
        if RESULTS.exists()
        else "# Benchmark results\n\nFigures printed by the scripts in bench/, the latest run of each.\n\n"
    )
    start = text.find("## bench/flood\n")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of floods (1) and (2)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--people", type=int, default=45, help="size of the crowd (3)")
    parser.add_argument("--crowd-seconds", type=int, default=60)
    parser.add_argument("--no-record", action="store_true", help="leave bench/RESULTS.md alone")
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    port, redis_port = free_port(), free_port()
    redis_server = start_redis(redis_port)
    env = server_env(port, redis_port)
    codes = prepare_database(env, ["flood", "rotating", "crowd"])
    server = start_server(env, port)
    workers = env["WEB_CONCURRENCY"]
    header = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"gunicorn {workers} workers, Redis of its own, wrk 2 threads x {args.connections} "
        f"connections for {args.seconds} s; load average {os.getloadavg()[0]:.1f}"
    )
    print(header)
    lines = [
        header,
        "",
        "| scenario | redirects | stored | stored as human | the rules let through |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    try:
        scenarios = (
            ("(1) one IP, one agent, full speed", "flood", "203.0.113.10", 0),
            ("(2) one IP, new agent every 5 clicks", "rotating", "203.0.113.20", 5),
            (
                f"(3) NAT crowd, {args.people} agents in {args.crowd_seconds} s",
                "crowd",
                "100.64.0.30",
                None,
            ),
        )
        for label, name, ip, rotate in scenarios:
            path = "/" + codes[name]
            if rotate is None:
                crowd(port, path, ip, args.people, args.crowd_seconds)
            else:
                wrk(port, path, ip, rotate, args.seconds, args.connections)
            rows = wait_for(codes[name], path)
            humans = sum(1 for row in rows if not row[2])
            rules, ip_rule = allowed(rows)
            note = f"{rules}" if rotate != 5 else f"{rules} (address rule alone: {ip_rule})"
            line = f"| {label} | {served(path):,} | {len(rows):,} | {humans:,} | {note} |"
            print(line)
            lines.append(line)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        redis_server.terminate()
        redis_server.wait(10)
    print(f"spool files left after a graceful stop: {len(list((OUT / 'spool').glob('[ar]*')))}")
    if not args.no_record:
        record(lines)


if __name__ == "__main__":
    main()
