"""bench/redirect: the short-link redirect under load, against a constant-302 Django view.

Starts gunicorn with gunicorn.conf.py and bench/server (the production settings, URLconf
and WSGI application plus the two baselines; DEBUG off, HTTPS redirect on behind a TLS
proxy, one trusted proxy, GeoIP databases it writes) on its own PostgreSQL database, seeds the links, drives `GET /<code>` with wrk (bench/redirect.lua) and prints
requests/s, p50/p99 for (a) the redirect with click recording, (b) a constant 302 from a
Django view in the same server and (c) a constant 302 straight from WSGI (the server's
floor: gunicorn and the kernel alone), the ratio a/b, and then the click rows against the redirects the server served
(counted exactly from its access log; wrk's own count misses requests in flight when it
stops).

Modes (see --help): throughput (default), --pg-restart (PostgreSQL stopped mid-run),
--kill-worker (SIGKILL one worker mid-run), --reload (SIGHUP mid-run), --upgrade (gunicorn's
USR2 upgrade mid-run: a new master and workers, then SIGTERM to the old master), --scan
(random unknown codes against cached links), --health (/health alone against cached
redirects alone), --slow-clients (clients sending a byte at a time, through
deploy/nginx.conf and straight at gunicorn), --disk-full (the spool's own small tmpfs
filled for --outage s mid-run). Each run's figures also replace its mode's section of
bench/RESULTS.md.
"""

import argparse
import errno
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path

from geoip_files import write_geoip

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "redirect"
PORT = int(os.environ.get("BENCH_PORT", "18400"))
DATABASE = os.environ.get("BENCH_DATABASE", "macondo_bench_redirect")
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_CLUSTER = os.environ.get("BENCH_PG_CLUSTER", "15 main").split()
GEOIP = OUT / "geoip"
DISK = OUT / "disk"  # --disk-full: a tmpfs of its own, the spool's whole filesystem
ACCESS_LINE = re.compile(r'"(?:GET|HEAD) (\S+) HTTP/[\d.]+" (\d{3}) ')


def server_env():
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY="bench-" + secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"{SERVER}/{DATABASE}",
        DJANGO_SETTINGS_MODULE="bench.server.settings",
        BEHIND_TLS_PROXY="true",
        TRUSTED_PROXY_COUNT="1",
        # collectstatic is not part of the benchmark; the redirect serves no static file.
        STATIC_MANIFEST="false",
        CLICK_SPOOL_DIR=str(OUT / "spool"),
        PORT=str(PORT),
        GUNICORN_ACCESSLOG=str(OUT / "access.log"),
        REDIS_URL="redis://127.0.0.1:6379/4",
        LOG_LEVEL="WARNING",
        GEOIP_CITY_DB=str(GEOIP / "city.mmdb"),
        GEOIP_ASN_DB=str(GEOIP / "asn.mmdb"),
    )
    return env


def setup_django():
    os.environ.update(server_env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare_database(count):
    import psycopg

    # Emptied, not dropped: DROP DATABASE waits for every backend on the server to answer
    # a barrier, and one stuck elsewhere on a shared machine blocks it indefinitely.
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=server_env(), check=True
    )
    with psycopg.connect(f"{SERVER}/{DATABASE}", autocommit=True) as database:
        database.execute(
            "TRUNCATE clicks, link_tags, links, tags, campaigns, clients, users CASCADE"
        )
    setup_django()
    from django.db import connection

    from accounts.models import User
    from links.models import Client
    from links.shortcodes import generate_code

    started = time.monotonic()
    user = User.objects.create_user(email="bench@corp.example")
    client = Client.objects.create(name="Bench")
    codes = set()
    while len(codes) < count:
        codes.add(generate_code())
    codes = sorted(codes, key=lambda _: secrets.randbits(32))
    with connection.cursor() as cursor:
        columns = "id, name, original_url, short_code, user_id, client_id, is_active, "
        columns += "forward_query, created_at, updated_at"
        with cursor.copy(f"COPY links ({columns}) FROM STDIN") as copy:
            for number, code in enumerate(codes):
                copy.write_row(
                    [
                        str(__import__("uuid").uuid4()),
                        f"Bench link {number}",
                        f"https://shop.example/product/{number}?ref=bench",
                        code,
                        str(user.pk),
                        str(client.pk),
                        True,
                        True,
                        "now",
                        "now",
                    ]
                )
        cursor.execute("ANALYZE links")
    (OUT / "codes.txt").write_text("\n".join(codes) + "\n")
    print(f"seeded {count:,} links with COPY in {time.monotonic() - started:.1f} s")
    return codes


def click_count():
    from django.db import connection

    from analytics.models import Click

    connection.close()  # a fresh connection: PostgreSQL may have restarted meanwhile
    return Click.objects.count()


def start_server(**env):
    log = open(OUT / "server.log", "ab")  # noqa: SIM115 (the server outlives this function)
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "bench.server.wsgi:application",
            "-c",
            "gunicorn.conf.py",
        ],
        cwd=ROOT,
        env=dict(server_env(), **env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited, see {OUT / 'server.log'}")
        try:
            if status_of("/bench-302/ready") == 302:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer within 60 s")


def status_of(path):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
    status = connection.getresponse().status
    connection.close()
    return status


def workers_of(process):
    return workers_of_pid(process.pid)


def workers_of_pid(pid):
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(child) for child in children]


def stop_server(process):
    process.send_signal(signal.SIGTERM)  # graceful: each worker loads what it spooled
    process.wait(60)


def stop_pid(pid):
    """SIGTERM to a master that is not this process's child (USR2's new master), then wait
    until it has exited (gone, or a zombie its new parent has not reaped yet)."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state == "Z":
            return
        time.sleep(0.1)
    sys.exit(f"gunicorn master {pid} did not stop within 60 s")


def run_wrk(prefix, codes_file, skew, seconds, connections, during=None, path=None, url=None):
    env = dict(os.environ, BENCH_CODES=str(codes_file), BENCH_PREFIX=prefix, BENCH_SKEW=str(skew))
    if path:
        env["BENCH_PATH"] = path
    wrk = subprocess.Popen(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench/redirect.lua"),
            url or f"http://127.0.0.1:{PORT}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    if during:
        during()
    output, _ = wrk.communicate()
    result = {"status": {}}
    for line in output.splitlines():
        if line.startswith("BENCH status"):
            _, _, status, count = line.split()
            result["status"][int(status)] = int(count)
        elif line.startswith("BENCH "):
            for pair in line.split()[1:]:
                key, value = pair.split("=")
                result[key] = int(value)
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(
        result[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return result


class AccessLog:
    """Responses the server produced, per status, from gunicorn's access log."""

    def __init__(self):
        self.path = OUT / "access.log"
        self.offset = 0  # since the server first started: every run, warm-ups included

    def redirects(self):
        served = other = 0
        with open(self.path, "rb") as file:
            file.seek(self.offset)
            for line in file:
                match = ACCESS_LINE.search(line.decode("latin-1"))
                if not match or match[1].startswith(("/bench-302/", "/bench-floor/", "/health")):
                    continue
                if match[2] == "302":
                    served += 1
                else:
                    other += 1
        return served, other


def wait_for_clicks(timeout=120):
    """Wait until the server has answered every queued request and the click rows match
    the redirects it served (or stop changing); return (served, other, rows, seconds)."""
    started = time.monotonic()
    last, last_change = None, started
    while True:
        served, other = AccessLog().redirects()
        rows = click_count()
        now = time.monotonic()
        if (served, rows) != last:
            last, last_change = (served, rows), now
        elif rows == served and now - last_change >= 2:
            break
        if now - last_change > 15 or now - started > timeout:
            break
        time.sleep(0.25)
    return served, other, rows, last_change - started


def line(label, result, expected=302):
    return (
        f"{label:<38} {result['rps']:>8,.0f} req/s  p50 {result['p50_us'] / 1000:6.1f} ms  "
        f"p99 {result['p99_us'] / 1000:6.1f} ms  non-{expected} {sum(n for s, n in result['status'].items() if s != expected)}"
        f"  socket errors {result['errors']}"
    )


def accounting(label, wrk_result):
    """Every redirect the server has served since it started against every click row."""
    served, other, stored, seconds = wait_for_clicks()
    print(
        f"{label}: wrk saw {wrk_result['status'].get(302, 0):,} redirects in this run; since "
        f"start the server served {served:,} redirects (other statuses {other}), click rows "
        f"{stored:,} (all in {seconds:.1f} s after the load stopped) -> missing {served - stored}"
    )
    return served - stored


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """CPU seconds (user + system) spent so far by each of these processes still alive."""
    spent = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        spent[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return spent


def cpu_spent(before, after):
    """CPU spent between two readings. A process that exited meanwhile (a PostgreSQL backend
    whose connection closed) counts for nothing rather than minus what it had spent before
    (that made PostgreSQL's share negative); one that started meanwhile counts whole."""
    return sum(seconds - before.get(pid, 0) for pid, seconds in after.items())


def postgres_backends():
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [DATABASE]
        ).fetchall()
    return [pid for (pid,) in rows]


def measured_run(process, *args, **options):
    """A wrk run plus the CPU the app and its PostgreSQL backends spent on it: on a machine
    shared with other work, CPU per request is steadier than requests per second."""
    app = [process.pid, *workers_of(process)]
    database = postgres_backends()
    app_before, database_before = cpu_seconds(app), cpu_seconds(database)
    result = run_wrk(*args, **options)
    database = set(database) | set(postgres_backends())
    requests = max(result["requests"], 1)
    result["app_cpu_ms"] = cpu_spent(app_before, cpu_seconds(app)) * 1000 / requests
    result["db_cpu_ms"] = cpu_spent(database_before, cpu_seconds(database)) * 1000 / requests
    return result


def median_run(runs):
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


def throughput(args, codes_file):
    """(c), (b) and (a) alternate, `rounds` times each, so a neighbour's burst on this shared
    machine hits all three; the median run of each is reported."""
    process = start_server()
    try:
        for label, skew in (("skewed", 4), ("uniform", 1)):
            run_wrk("/bench-302/", codes_file, skew, 3, args.connections)  # warm up
            run_wrk("/", codes_file, skew, 3, args.connections)
            run_wrk("/bench-floor/", codes_file, skew, 3, args.connections)
            floors, bases, ours = [], [], []
            for _ in range(args.rounds):
                floors.append(
                    measured_run(
                        process, "/bench-floor/", codes_file, skew, args.seconds, args.connections
                    )
                )
                bases.append(
                    measured_run(
                        process, "/bench-302/", codes_file, skew, args.seconds, args.connections
                    )
                )
                ours.append(
                    measured_run(process, "/", codes_file, skew, args.seconds, args.connections)
                )
            floor, base, our = median_run(floors), median_run(bases), median_run(ours)
            print(line(f"(c) server floor: 302 from WSGI, {label}", floor))
            print(line(f"(b) constant 302, {label}", base))
            print(line(f"(a) redirect + click, {label}", our))
            ratios = " ".join(
                f"{a['rps'] / b['rps']:.2f}" for a, b in zip(ours, bases, strict=True)
            )
            print(f"    ratio a/b ({label}): {our['rps'] / base['rps']:.2f} (each round: {ratios})")
            print(
                f"    ratio a/c ({label}): {our['rps'] / floor['rps']:.2f}, "
                f"b/c: {base['rps'] / floor['rps']:.2f} (share of what the server alone allows)"
            )
            app_b = sorted(run["app_cpu_ms"] + run["db_cpu_ms"] for run in bases)[len(bases) // 2]
            app_a = sorted(run["app_cpu_ms"] + run["db_cpu_ms"] for run in ours)[len(ours) // 2]
            print(
                f"    CPU per request, app + PostgreSQL (median): (b) {app_b:.3f} ms, "
                f"(a) {app_a:.3f} ms -> CPU ratio b/a {app_b / app_a:.2f} "
                f"(what a/b would be on an idle machine if both were CPU-bound)"
            )
            print(
                "    of which PostgreSQL: (b) "
                + f"{median_run(bases)['db_cpu_ms']:.3f} ms, (a) {median_run(ours)['db_cpu_ms']:.3f} ms"
            )
            accounting(f"    clicks ({label})", ours[-1])
    finally:
        stop_server(process)


def disturbed(args, codes_file, label, disturbance, stop=stop_server, **env):
    """Warm every worker's cache on a working set, then disturb the server mid-run."""
    known = OUT / "codes-known.txt"
    codes = codes_file.read_text().split()[: args.known]
    known.write_text("\n".join(codes) + "\n")
    process = start_server(**env)
    try:
        run_wrk("/", known, 1, args.warmup, args.connections)
        time.sleep(3)
        result = run_wrk(
            "/", known, 1, args.seconds, args.connections, lambda: disturbance(process)
        )
        print(line(f"(a) redirect + click, {label}", result))
        failed = sum(n for s, n in result["status"].items() if s != 302) + result["errors"]
        print(f"    redirects failed (non-302 answers + socket errors seen by wrk): {failed}")
        accounting("    clicks", result)
    finally:
        stop(process)


def pg_restart(args, codes_file):
    def restart(process):
        time.sleep(args.seconds / 3)
        started = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "stop"],
            check=True,
        )
        time.sleep(args.outage)
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "start"], check=True
        )
        print(f"    PostgreSQL was down for {time.monotonic() - started:.1f} s")

    print(f"PostgreSQL stopped for {args.outage} s mid-run; {args.known} known links")
    disturbed(args, codes_file, "PostgreSQL restarted", restart)


def kill_worker(args, codes_file):
    def kill(process):
        time.sleep(args.seconds / 3)
        victim = workers_of(process)[0]
        os.kill(victim, signal.SIGKILL)
        print(f"    killed worker {victim} with SIGKILL")

    disturbed(args, codes_file, "one worker SIGKILLed", kill)


def reload(args, codes_file):
    def hup(process):
        time.sleep(args.seconds / 3)
        process.send_signal(signal.SIGHUP)
        print("    sent SIGHUP (graceful reload: every worker replaced)")

    disturbed(args, codes_file, "SIGHUP reload", hup)


def upgrade(args, codes_file):
    """gunicorn's binary upgrade, the deploy that does not stall (docs/operations.md, gunicorn): USR2
    makes the master exec a new master (new code) whose workers boot while the old ones keep
    serving; once each new worker has logged "Worker ready", SIGTERM stops the old master
    and its workers gracefully."""
    new_master = []

    def usr2(process):
        time.sleep(args.seconds / 3)
        log = OUT / "server.log"
        offset = log.stat().st_size
        old_workers = set(workers_of(process))
        process.send_signal(signal.SIGUSR2)
        sent = time.monotonic()
        ready = 0
        while ready < len(old_workers) and time.monotonic() - sent < 60:
            time.sleep(0.1)
            with open(log, "rb") as file:
                file.seek(offset)
                ready = file.read().count(b"Worker ready:")
        new_master.extend(set(workers_of(process)) - old_workers)
        waited = time.monotonic() - sent
        process.send_signal(signal.SIGTERM)
        print(
            f"    sent USR2; {ready} new workers ready {waited:.1f} s later, then SIGTERM to "
            f"the old master (new master: {new_master})"
        )

    def stop_both(process):
        stop_server(process)
        for pid in new_master:
            stop_pid(pid)

    disturbed(args, codes_file, "USR2 upgrade", usr2, stop=stop_both, LOG_LEVEL="INFO")


def known_links(args, codes_file):
    """The first `--known` links, the working set every worker is warmed with."""
    known = OUT / "codes-known.txt"
    known.write_text("\n".join(codes_file.read_text().split()[: args.known]) + "\n")
    return known


def short_code_lookups():
    """Index scans of links by short code so far: one per lookup the redirect asks of
    PostgreSQL. Backends report their counts up to 10 s late (PostgreSQL 15), so wait."""
    import psycopg

    time.sleep(11)
    with psycopg.connect(f"{SERVER}/{DATABASE}", autocommit=True) as database:
        row = database.execute(
            "SELECT sum(s.idx_scan) FROM pg_stat_user_indexes s JOIN pg_index i "
            "ON i.indexrelid = s.indexrelid JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = i.indkey[0] WHERE s.relname = 'links' AND a.attname = 'short_code' "
            "AND i.indnatts = 1"
        ).fetchone()
    return int(row[0] or 0)


def scan(args, codes_file):
    """Random codes no link has (a scanner) against cached links, alternating; PostgreSQL
    lookups per request counted from the short-code index's scans."""
    known = known_links(args, codes_file)
    taken = set(codes_file.read_text().split())
    unknown = OUT / "codes-unknown.txt"
    from links.shortcodes import generate_code

    codes = set()
    while len(codes) < 100_000:
        code = generate_code()
        if code not in taken:
            codes.add(code)
    unknown.write_text("\n".join(codes) + "\n")
    process = start_server()
    try:
        run_wrk("/", known, 1, args.warmup, args.connections)
        runs = {"cached links": [], "unknown codes": []}
        lookups = {label: 0 for label in runs}
        requests = {label: 0 for label in runs}
        previous = short_code_lookups()
        for _ in range(args.rounds):
            for label, file in (("cached links", known), ("unknown codes", unknown)):
                result = measured_run(process, "/", file, 1, args.seconds, args.connections)
                current = short_code_lookups()
                lookups[label] += current - previous
                previous = current
                requests[label] += result["requests"]
                runs[label].append(result)
        for label, results in runs.items():
            expected = 302 if label == "cached links" else 404
            print(line(f"{label} (median of {len(results)})", median_run(results), expected))
            print(
                f"    PostgreSQL lookups per request: {lookups[label] / requests[label]:.4f} "
                f"({lookups[label]:,} for {requests[label]:,} requests); CPU per request, "
                f"app + PostgreSQL: {median_run(results)['app_cpu_ms'] + median_run(results)['db_cpu_ms']:.3f} ms"
            )
        ratios = " ".join(
            f"{s['rps'] / c['rps']:.2f}"
            for c, s in zip(runs["cached links"], runs["unknown codes"], strict=True)
        )
        ratio = median_run(runs["unknown codes"])["rps"] / median_run(runs["cached links"])["rps"]
        print(f"    ratio unknown/cached: {ratio:.2f} (each round: {ratios}; target >= 0.8)")
        statuses = {}
        for result in runs["unknown codes"]:
            for status, count in result["status"].items():
                statuses[status] = statuses.get(status, 0) + count
        print(f"    answers to unknown codes by status: {statuses}")
    finally:
        stop_server(process)


def health_flood(args, codes_file):
    """/health alone against cached redirects alone, alternating."""
    known = known_links(args, codes_file)
    process = start_server()
    try:
        run_wrk("/", known, 1, args.warmup, args.connections)
        run_wrk("/", known, 1, 3, args.connections, path="/health")
        redirects, healths = [], []
        for _ in range(args.rounds):
            redirects.append(measured_run(process, "/", known, 1, args.seconds, args.connections))
            sessions = postgres_sessions()
            healths.append(
                measured_run(process, "/", known, 1, args.seconds, args.connections, path="/health")
            )
            healths[-1]["sessions"] = postgres_sessions() - sessions
        redirect, health = median_run(redirects), median_run(healths)
        print(line("(r) cached redirects", redirect))
        print(line("(h) /health", health, expected=200))
        ratios = " ".join(
            f"{h['rps'] / r['rps']:.2f}" for r, h in zip(redirects, healths, strict=True)
        )
        print(
            f"    ratio h/r: {health['rps'] / redirect['rps']:.2f} (each round: {ratios}; target >= 0.5)"
        )
        print(
            f"    CPU per request, app + PostgreSQL: (r) "
            f"{redirect['app_cpu_ms'] + redirect['db_cpu_ms']:.3f} ms, (h) "
            f"{health['app_cpu_ms'] + health['db_cpu_ms']:.3f} ms"
        )
        print(
            "    PostgreSQL connections opened during each /health run: "
            + ", ".join(f"{run['sessions']:,} for {run['requests']:,} requests" for run in healths)
        )
    finally:
        stop_server(process)


def postgres_sessions():
    """Connections PostgreSQL has accepted so far, all databases (the log does not say)."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_stat_clear_snapshot()")
        return (
            admin.execute(
                "SELECT sum(sessions) FROM pg_stat_database WHERE datname = %s", [DATABASE]
            ).fetchone()[0]
            or 0
        )


def slow_client(port, stop, byte_every):
    """A client that sends its request a byte at a time, and starts again when cut off."""
    request = b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n\r\n"
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                for byte in request[:-1]:  # never the last byte: the request never ends
                    if stop.wait(byte_every):
                        return
                    sock.sendall(bytes([byte]))
        except OSError:
            stop.wait(0.1)


def slow_clients(args, codes_file):
    """Normal visitors' p99 with N slow clients through deploy/nginx.conf, without them, and
    with them straight at gunicorn (where each one holds a sync worker)."""
    sys.path.insert(0, str(ROOT))
    from deploy.local_nginx import LocalNginx

    known = known_links(args, codes_file)
    workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() * 2 + 1)
    count = args.slow or workers
    process = start_server()
    proxy = LocalNginx(PORT).start()
    through_proxy = f"https://127.0.0.1:{proxy.https_port}"
    print(f"nginx {proxy.binary} with deploy/nginx.conf on {through_proxy}; {count} slow clients")
    try:
        run_wrk("/", known, 1, args.warmup, args.connections, url=through_proxy)
        results = []
        for label, url, slow_port in (
            ("through nginx, no slow clients", through_proxy, None),
            (f"through nginx, {count} slow clients", through_proxy, proxy.http_port),
            ("straight at gunicorn, no slow clients", None, None),
            (f"straight at gunicorn, {count} slow clients", None, PORT),
        ):
            stop = threading.Event()
            threads = [
                threading.Thread(target=slow_client, args=(slow_port, stop, 1.0), daemon=True)
                for _ in range(count if slow_port else 0)
            ]
            for thread in threads:
                thread.start()
            time.sleep(2 if threads else 0)  # every slow client connected and sending
            result = run_wrk("/", known, 1, args.seconds, args.connections, url=url)
            stop.set()
            for thread in threads:
                thread.join()
            print(line(label, result) + f"  timeouts {result['timeouts']}")
            results.append(result)
        base, slowed = results[0]["p99_us"], results[1]["p99_us"]
        print(
            f"    p99 of normal visitors through nginx with slow clients / without: "
            f"{slowed / base:.2f} (target <= 2)"
        )
        direct, stalled = results[2], results[3]
        print(
            f"    straight at gunicorn: {stalled['requests']:,} requests answered in "
            f"{args.seconds} s with slow clients against {direct['requests']:,} without "
            f"(p99 {stalled['p99_us'] / 1000:.1f} against {direct['p99_us'] / 1000:.1f} ms): "
            "each slow client holds a sync worker until gunicorn kills it (GUNICORN_TIMEOUT)"
        )
    finally:
        proxy.stop()
        stop_server(process)


# --- --disk-full -------------------------------------------------------------------------

DISK_FULL_LEAD = 5  # seconds of steady load before the disk fills
DISK_FULL_TAIL = 10  # and after it is freed
_LOST_MEANWHILE = re.compile(rb"the spool takes clicks again; (\d+) were lost meanwhile")
_NOT_RECORDED = re.compile(rb"click not recorded \((.*?)\), replay with")


@contextmanager
def small_disk(path, megabytes):
    """A tmpfs of its own mounted at `path` for the run (needs root), unmounted after."""
    path.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0755", "bench-spool", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode:
        sys.exit(f"--disk-full mounts a tmpfs (needs root): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], check=False).returncode:
            subprocess.run(["umount", "-l", str(path)], check=False)  # busy: detach it anyway


class Filler(threading.Thread):
    """Writes a file until ENOSPC and keeps the filesystem completely full until released.
    The loaders go on loading and deleting spool files meanwhile; this thread holds every
    spool file open, so a deleted one keeps its pages until the release and loading frees
    no space. Any page freed all the same (a file deleted before it was seen) is written
    over again within ~2 ms."""

    CHUNK = b"\0" * (1 << 20)

    def __init__(self, path, spool):
        super().__init__(name="filler", daemon=True)
        self.path, self.spool = path, spool
        self.full = threading.Event()
        self.release = threading.Event()
        self.filled = self.retaken = 0  # bytes
        self.held = {}  # spool file inode -> a read-only descriptor (renames keep it)
        self.error = None

    def _hold_spool_files(self):
        with os.scandir(self.spool) as entries:
            for entry in entries:
                if entry.inode() not in self.held:
                    with suppress(FileNotFoundError):
                        self.held[entry.inode()] = os.open(entry.path, os.O_RDONLY)

    def _top_up(self, fd):
        written = 0
        try:
            while True:
                written += os.write(fd, self.CHUNK)
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
        return written

    def run(self):
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                self._hold_spool_files()
                self.filled = self._top_up(fd)
                self.full.set()
                while not self.release.wait(0.002):
                    self._hold_spool_files()
                    self.retaken += self._top_up(fd)
            finally:
                for held in self.held.values():
                    os.close(held)
                os.close(fd)
                os.unlink(self.path)
        except OSError as error:
            self.error = error
            self.full.set()


def health_answer():
    """(status, body) of one GET /health, from whichever worker accepts it."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    try:
        connection.request("GET", "/health", headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


class HealthPoller(threading.Thread):
    def __init__(self, every=0.5):
        super().__init__(name="health-poller", daemon=True)
        self.every = every
        self.stopping = threading.Event()
        self.answers = []  # (sent, received: Unix times, status or None, body or None)

    def run(self):
        due = time.monotonic()
        while not self.stopping.is_set():
            sent = time.time()
            try:
                status, body = health_answer()
            except (OSError, ValueError, http.client.HTTPException):
                status, body = None, None
            self.answers.append((sent, time.time(), status, body))
            due += self.every
            self.stopping.wait(max(0.0, due - time.monotonic()))

    def stop(self):
        self.stopping.set()
        self.join()


def unhealthy_sections(body):
    if body is None:
        return "no answer"
    failing = [key for key in ("database", "recording") if body.get(key) in (False, None)]
    if not body.get("recording", {}).get("ok", True):
        failing.append("recording: " + json.dumps(body["recording"]))
    return ", ".join(failing) or "none"


def report_health(answers, events):
    """/health's answers by phase; one that straddles a change (sent before it, answered
    after) is counted apart, as are the bodies of any unexpected answer."""
    phases = {"before": [], "while full": [], "after": [], "straddling a change": []}
    full = []
    for sent, received, status, body in answers:
        if received < events["fill"]:
            phase = "before"
        elif sent >= events["full"] and received < events["freed"]:
            phase = "while full"
        elif sent >= events["freed"]:
            phase = "after"
        else:
            phase = "straddling a change"
        phases[phase].append(status)
        if phase == "while full" and body:
            full.append(body)
        if (status == 503) != (phase == "while full") and phase != "straddling a change":
            print(f"    unexpected {status} {phase}: unhealthy {unhealthy_sections(body)}")
    print(
        "/health every 0.5 s: "
        + "; ".join(
            f"{phase} "
            + ", ".join(f"{n} × {s}" for s, n in sorted(Counter(statuses).items(), key=str))
            for phase, statuses in phases.items()
            if statuses
        )
        + f" (after: until the spool had drained, the first "
        f"{events['stopped'] - events['freed']:.0f} s under load)"
    )
    if full:
        sample = full[len(full) // 2]["recording"]
        shown = {key: sample[key] for key in ("ok", "spool_writable", "backlog", "clicks_dropped")}
        print(f"    a 'recording' section while full: {json.dumps(shown)}")


def clicks_per_second(origin, start, stop):
    """{whole seconds since `origin`: click rows with a timestamp in that second}, for the
    clicks of `start` to `stop` (Unix times)."""
    from django.db import connection

    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT floor(extract(epoch FROM timestamp) - %s)::int, count(*) FROM clicks "
            "WHERE timestamp >= to_timestamp(%s) AND timestamp < to_timestamp(%s) "
            "GROUP BY 1 ORDER BY 1",
            [origin, start, stop],
        )
        return dict(cursor.fetchall())


def report_timeline(events, while_full):
    """Click rows per second of click time around the outage: loading resumed if the seconds
    after the disk was freed have as many as those before."""
    full, held = events["full"], round(events["freed"] - events["full"])
    timeline = clicks_per_second(full, full - DISK_FULL_LEAD, events["stopped"] + 1)
    last = max(timeline, default=0)

    def seconds(first, stop):
        return " ".join(str(timeline.get(k, 0)) for k in range(first, stop))

    print(
        f"click rows per second of click time: before {seconds(-DISK_FULL_LEAD, 0)} | while "
        f"full {seconds(0, held)} | after {seconds(held, last + 1)}"
    )
    spooled = sum(timeline.get(k, 0) for k in range(held))
    print(
        f"    redirects served while full: ~{while_full:,} (access log, ± those in flight at "
        f"either edge); their clicks spooled all the same: {spooled:,} (into the unused ends "
        "of pages the spool files already had, or pages freed before the filler took them)"
    )


def logged_losses():
    """(outages begun, outages ended, clicks reported lost, the reasons) from the workers'
    log: each outage's first click is logged with its reason, and its count once the spool
    takes a click again."""
    text = (OUT / "server.log").read_bytes()
    reasons = _NOT_RECORDED.findall(text)
    counts = [int(count) for count in _LOST_MEANWHILE.findall(text)]
    return len(reasons), len(counts), sum(counts), sorted({r.decode() for r in reasons})


def disk_full(args, codes_file):
    """Steady load on known links; the spool's filesystem (a tmpfs of its own) filled
    DISK_FULL_LEAD s in, held full for --outage s, freed, DISK_FULL_TAIL s more of load; then
    redirects, /health, stored clicks and the counted loss."""
    known = known_links(args, codes_file)
    spool = DISK / "spool"
    process = start_server(CLICK_SPOOL_DIR=str(spool))
    poller = HealthPoller()
    filler = Filler(DISK / "filler", spool)
    events = {}
    access = OUT / "access.log"

    def fill_and_free():
        time.sleep(DISK_FULL_LEAD)
        events["fill"] = time.time()
        filler.start()
        filler.full.wait()
        events["full"], events["log_full"] = time.time(), access.stat().st_size
        time.sleep(args.outage)
        filler.release.set()
        filler.join()
        events["freed"], events["log_freed"] = time.time(), access.stat().st_size

    try:
        run_wrk("/", known, 1, args.warmup, args.connections)
        time.sleep(3)
        poller.start()
        seconds = DISK_FULL_LEAD + args.outage + DISK_FULL_TAIL
        result = run_wrk("/", known, 1, seconds, args.connections, fill_and_free)
        events["stopped"] = time.time()
        if filler.error:
            sys.exit(f"the filler failed: {filler.error}")
        served, other, stored, drained = wait_for_clicks()
        poller.stop()
        after_drain = [health_answer()[1] for _ in range(40)]
        workers = workers_of(process)
    finally:
        filler.release.set()
        poller.stopping.set()
        stop_server(process)

    print(
        f"spool on a {args.disk_mb} MB tmpfs of its own; full "
        f"{events['full'] - events['fill']:.2f} s after the filler started "
        f"({filler.filled / 2**20:.1f} MB), held {events['freed'] - events['full']:.1f} s "
        f"({len(filler.held)} spool files held open, so loading freed no space; "
        f"{filler.retaken / 2**10:,.0f} KB freed all the same and written over again), under "
        f"{seconds:g} s of load on {args.known} known links"
    )
    print(line("(a) redirect + click, disk full mid-run", result))
    failed = sum(n for s, n in result["status"].items() if s != 302) + result["errors"]
    print(f"    redirects failed (non-302 answers + socket errors seen by wrk): {failed}")
    log_full, log_freed = AccessLog(), AccessLog()
    log_full.offset, log_freed.offset = events["log_full"], events["log_freed"]
    while_full = log_full.redirects()[0] - log_freed.redirects()[0]
    report_health(poller.answers, events)
    report_timeline(events, while_full)

    begun, ended, lost, reasons = logged_losses()
    print(
        f"since start: {served:,} redirects served (access log; other statuses {other}), "
        f"{stored:,} click rows ({drained:.1f} s after the load stopped) -> missing "
        f"{served - stored:,}"
    )
    print(
        f"    workers' logs: {begun} outages begun ({'; '.join(reasons) or '-'}), {ended} "
        f"ended (each click that got through ends one), {lost:,} clicks reported lost"
    )
    seen = sorted(
        {
            body["recording"]["clicks_dropped"]
            for sent, _, _, body in poller.answers
            if body and sent >= events["freed"] + 1
        }
        | {body["recording"]["clicks_dropped"] for body in after_drain}
    )
    print(
        f"    /health recording.clicks_dropped after the disk was freed: {len(seen)} distinct "
        f"values {seen} (sum {sum(seen):,}) for {len(workers)} workers"
    )
    verdict = "yes" if lost == served - stored and begun == ended else "NO"
    print(
        f"    counted loss = 302s logged - clicks stored: {lost:,} = {served - stored:,}: {verdict}"
    )
    print(f"    rejected spool files: {len(list(spool.glob('rejected-*')))}")


class Tee:
    """Everything printed, kept for bench/RESULTS.md."""

    def __init__(self, stream):
        self.stream, self.lines = stream, []

    def write(self, text):
        self.lines.append(text)
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()


def record_results(mode, command, text):
    """Replace this mode's section of bench/RESULTS.md (created when missing)."""
    path = ROOT / "bench" / "RESULTS.md"
    heading = f"## bench/redirect {mode}"
    old = (
        path.read_text()
        if path.exists()
        else (
            "# Benchmark results\n\nThe last run of each mode, written by the benchmark itself "
            "(figures of a shared 2-core machine: compare within one section).\n\n"
        )
    )
    sections = re.split(r"(?m)^(?=## )", old)
    body = (
        f"{heading}\n\n`{command}`, {time.strftime('%Y-%m-%d %H:%M')}, load average "
        f"{os.getloadavg()[0]:.1f} at the end\n\n```\n{text.strip()}\n```\n\n"
    )
    if any(section.startswith(heading + "\n") for section in sections):
        sections = [body if section.startswith(heading + "\n") else section for section in sections]
    else:
        sections.append(body)
    # One blank line after every section, also when a new one is appended after the last.
    path.write_text("".join(section.rstrip() + "\n\n" for section in sections).rstrip() + "\n")


def sockets_of(pid):
    """Inodes of the sockets a process holds open."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def local_ports_to(port):
    """{socket inode: local port} of the TCP connections to `port` on this machine."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(remote.rsplit(":", 1)[1], 16) == port:
                found[inode] = int(local.rsplit(":", 1)[1], 16)
    return found


def count_connections(args, codes_file):
    """PostgreSQL connections each worker holds under traffic (redirects, misses, clicks
    loaded, /health), read from pg_stat_activity and matched to workers by socket."""
    import psycopg

    known = known_links(args, codes_file)
    process = start_server()
    try:
        run_wrk("/", codes_file, 1, args.seconds, args.connections)  # misses: request thread
        run_wrk("/", known, 1, 3, args.connections, path="/health")
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            rows = admin.execute(
                "SELECT client_port, state, left(query, 60) FROM pg_stat_activity "
                "WHERE datname = %s AND client_port IS NOT NULL",
                [DATABASE],
            ).fetchall()
        ports = local_ports_to(int(SERVER.rsplit(":", 1)[1]))
        owner = {}
        for worker in workers_of(process):
            for inode in sockets_of(worker):
                if inode in ports:
                    owner[ports[inode]] = worker
        per_worker = {}
        for port, state, query in rows:
            per_worker.setdefault(owner.get(port, "(none: this benchmark)"), []).append(
                (state, query)
            )
        for worker, backends in sorted(per_worker.items(), key=str):
            print(f"worker {worker}: {len(backends)} connections")
            for state, query in backends:
                print(f"    {state:<6} last query: {query}")
    finally:
        stop_server(process)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=20, help="length of each measured run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="alternating (b)/(a) runs")
    parser.add_argument("--pg-restart", action="store_true")
    parser.add_argument("--kill-worker", action="store_true")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--upgrade", action="store_true")
    parser.add_argument("--scan", action="store_true", help="random unknown codes")
    parser.add_argument("--health", action="store_true", help="/health against redirects")
    parser.add_argument("--slow-clients", action="store_true", help="through deploy/nginx.conf")
    parser.add_argument("--slow", type=int, default=0, help="slow clients (default: workers)")
    parser.add_argument("--count-connections", action="store_true", help="per worker")
    parser.add_argument(
        "--disk-full", action="store_true", help="the spool's own tmpfs filled mid-run"
    )
    parser.add_argument("--disk-mb", type=int, default=64, help="size of that tmpfs")
    parser.add_argument(
        "--outage", type=float, default=10, help="seconds PostgreSQL is down / the disk full"
    )
    parser.add_argument("--known", type=int, default=500, help="working set when disturbed")
    parser.add_argument("--warmup", type=int, default=10, help="seconds warming the caches")
    args = parser.parse_args()
    if args.outage > 30:
        parser.error("--outage is at most 30 seconds")
    if shutil.which("wrk") is None:
        sys.exit("bench/redirect drives the load with wrk: install it first (apt-get install wrk)")
    if os.path.ismount(DISK):
        sys.exit(f"{DISK} is still mounted (a --disk-full run killed?): umount it first")
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    write_geoip(GEOIP)
    modes = ("pg_restart", "kill_worker", "reload", "upgrade", "scan", "health", "slow_clients")
    modes += ("count_connections", "disk_full")
    mode = next((f"--{m.replace('_', '-')}" for m in modes if getattr(args, m)), "(throughput)")
    tee = sys.stdout = Tee(sys.stdout)
    prepare_database(args.links)
    codes_file = OUT / "codes.txt"
    workers = os.environ.get("WEB_CONCURRENCY", "(gunicorn.conf.py default)")
    print(
        f"gunicorn workers {workers}, wrk 2 threads, {args.connections} connections, "
        f"{args.seconds} s per run, {args.links:,} links, load average {os.getloadavg()[0]:.1f}"
    )
    spool, disk = OUT / "spool", nullcontext()
    if args.disk_full:
        spool, disk = DISK / "spool", small_disk(DISK, args.disk_mb)
    with disk:
        run_mode(args, codes_file)
        spooled = [p.name for p in spool.glob("*") if not p.name.startswith("rejected")]
        print(f"spool files left after a graceful stop: {len(spooled)}")
    sys.stdout = tee.stream
    workers = os.environ.get("WEB_CONCURRENCY")
    command = " ".join(
        [f"WEB_CONCURRENCY={workers}"] * bool(workers) + ["bench/redirect", *sys.argv[1:]]
    )
    record_results(mode, command, "".join(tee.lines))


def run_mode(args, codes_file):
    if args.disk_full:
        disk_full(args, codes_file)
    elif args.count_connections:
        count_connections(args, codes_file)
    elif args.scan:
        scan(args, codes_file)
    elif args.health:
        health_flood(args, codes_file)
    elif args.slow_clients:
        slow_clients(args, codes_file)
    elif args.pg_restart:
        pg_restart(args, codes_file)
    elif args.kill_worker:
        kill_worker(args, codes_file)
    elif args.reload:
        reload(args, codes_file)
    elif args.upgrade:
        upgrade(args, codes_file)
    else:
        throughput(args, codes_file)


if __name__ == "__main__":
    main()
