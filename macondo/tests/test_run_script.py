"""scripts/run.sh for real, as a newcomer meets it: in a copy of the checkout (the shared
.venv symlinked, so nothing is installed), on a free port, with a clean environment."""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 180
PASSWORD = "a-long-local-password-1"
# Log levels, Python's and Django's error reports, system check findings.
ALARMING = re.compile(r"WARNING|ERROR|Traceback|Error:|identified some issues")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# What a fresh clone lacks, for a checkout that is not a git repository (CI's bare copy).
NOT_IN_A_CLONE = (".git", ".venv", ".env", "db.sqlite3*", "var", "staticfiles", "__pycache__")


def copy_of_the_checkout(folder):
    """The files a fresh clone has (tracked, and new ones not ignored), and the .venv."""
    copy = folder / "checkout"
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.split(b"\0")
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_IN_A_CLONE))
    else:
        for name in filter(None, (entry.decode() for entry in listed)):
            if (ROOT / name).is_file() and name != ".venv":
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, copy / name)
    (copy / ".venv").symlink_to((ROOT / ".venv").resolve())
    return copy


@pytest.fixture
def checkout(tmp_path):
    return copy_of_the_checkout(tmp_path)


def newcomer_env(**environ):
    """A shell's environment without the test suite's database and production settings."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), **environ}


def run_script(checkout, **environ):
    """A run that is expected to stop by itself; whatever it left running is stopped."""
    process = subprocess.Popen(
        ["scripts/run.sh"],  # noqa: S607 - the script under test
        cwd=checkout,
        env=newcomer_env(**environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


class Server:
    """scripts/run.sh running in its own process group, its output collected as it comes."""

    def __init__(self, checkout, port, **environ):
        self.url = f"http://127.0.0.1:{port}"
        self.lines = []
        self.process = subprocess.Popen(
            ["scripts/run.sh"],  # noqa: S607 - the script under test
            cwd=checkout,
            env=newcomer_env(PORT=str(port), **environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._collect, daemon=True)
        self.reader.start()

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self):
        return "".join(self.lines)

    def wait_until_it_answers(self):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"scripts/run.sh did not answer on {self.url}:\n{self.output}")

    def stop(self):
        """SIGTERM to the group (the autoreloader and its serving child), then SIGKILL to
        whatever of it is left."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)
        self.reader.join(timeout=15)


def sign_in_with_a_superuser(checkout, url):
    """createsuperuser in the copy without any database knob: it must find the run's
    database through the .env the script wrote."""
    made = subprocess.run(  # noqa: S603 - the copy's interpreter and manage.py
        [".venv/bin/python", "manage.py", "createsuperuser", "--noinput"]  # noqa: S607
        + ["--email", "root@corp.example", "--name", "Root"],
        cwd=checkout,
        env=newcomer_env(DJANGO_SUPERUSER_PASSWORD=PASSWORD),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    browser = requests.Session()
    form_url = f"{url}/admin/login/?next=/dashboard/"
    browser.get(form_url, timeout=30)
    signed_in = browser.post(
        form_url,
        {
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "username": "root@corp.example",
            "password": PASSWORD,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    assert signed_in.headers["Location"] == "/dashboard/"
    return browser


def startup_lines(output):
    """What the script printed until the server said it is ready, without timestamps."""
    before_ready = output.partition("Quit the server with CONTROL-C.")[0]
    return [TIMESTAMP.sub("", line) for line in before_ready.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def on_postgresql(tmp_path_factory):
    """A run given a PostgreSQL database the server lacks and a free PORT; then signed in as
    a superuser, the first demo link's report page read and its short URL followed."""
    from django.db import connection

    db = connection.settings_dict
    name = f"macondo_quickstart_run_{uuid.uuid4().hex[:8]}"
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    checkout = copy_of_the_checkout(tmp_path_factory.mktemp("quick-start"))
    port = free_port()
    server = Server(checkout, port, DATABASE_URL=database_url)
    try:
        server.wait_until_it_answers()
        browser = sign_in_with_a_superuser(checkout, server.url)
        links = browser.get(f"{server.url}/dashboard/links/", timeout=30).text
        first_link = re.search(r'href="(/dashboard/links/[0-9a-f-]{36}/)"', links).group(1)
        report = browser.get(f"{server.url}{first_link}", timeout=30).text
        short_url = re.search(r'<code class="short-url" id="short-url">([^<]+)</code>', report)
        assert short_url, report[:2000]
        followed = requests.get(short_url.group(1), allow_redirects=False, timeout=30)
    finally:
        server.stop()
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "name": name,
        "port": port,
        "database_url": database_url,
        "env_file": (checkout / ".env").read_text(),
        "output": server.output,
        "report": report,
        "short_url": short_url.group(1),
        "followed": followed,
    }


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory):
    """The newcomer's command as it is: no DATABASE_URL (the SQLite file), only a PORT."""
    checkout = copy_of_the_checkout(tmp_path_factory.mktemp("quick-start"))
    port = free_port()
    server = Server(checkout, port)
    try:
        server.wait_until_it_answers()
    finally:
        server.stop()
    return {"port": port, "env_file": (checkout / ".env").read_text(), "output": server.output}


def test_run_script_creates_the_postgresql_database_it_is_given(on_postgresql):
    assert f'Created PostgreSQL database "{on_postgresql["name"]}"' in on_postgresql["output"]


def test_run_script_short_urls_and_qr_codes_use_the_port_it_serves_on(on_postgresql):
    short_url = on_postgresql["short_url"]

    assert short_url.startswith(f"http://127.0.0.1:{on_postgresql['port']}/")
    assert f'alt="QR code for {short_url}"' in on_postgresql["report"]
    assert on_postgresql["followed"].status_code == 302


def test_run_script_keeps_the_database_and_port_it_was_given_in_env(on_postgresql):
    # The superuser was made by a manage.py command given neither: it found them there.
    assert f"DATABASE_URL={on_postgresql['database_url']}\n" in on_postgresql["env_file"]
    assert f"PORT={on_postgresql['port']}\n" in on_postgresql["env_file"]


def test_run_script_on_sqlite_keeps_no_database_url(on_sqlite):
    assert "DATABASE_URL" not in on_sqlite["env_file"]
    assert f"PORT={on_sqlite['port']}\n" in on_sqlite["env_file"]


@pytest.mark.parametrize("run", ["on_sqlite", "on_postgresql"])
def test_run_script_says_where_it_listens_and_how_to_sign_in_to_the_dashboard(request, run):
    output = request.getfixturevalue(run)["output"]
    url = f"http://127.0.0.1:{request.getfixturevalue(run)['port']}"

    assert f"Macondo runs on {url}/" in output
    assert f"Starting development server at {url}/" in output
    assert f"{url}/admin/login/?next=/dashboard/" in output


@pytest.mark.parametrize("run", ["on_sqlite", "on_postgresql"])
def test_run_script_output_has_no_warning_traceback_or_repeated_line(request, run):
    output = request.getfixturevalue(run)["output"]
    lines = startup_lines(output)

    assert "System check identified no issues" in output
    assert not [line for line in lines if ALARMING.search(line)]
    assert not {line for line in lines if lines.count(line) > 1}


def test_run_script_with_a_postgresql_server_that_is_down_stops_with_one_line(checkout):
    nobody_listens = free_port()

    result = run_script(
        checkout,
        PORT=str(free_port()),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{nobody_listens}/macondo_quickstart",
    )

    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if line.strip() and "Installing" not in line]
    assert result.returncode != 0
    assert "Traceback" not in output
    assert len(lines) == 1, output
    assert f"on 127.0.0.1:{nobody_listens} as postgres: Connection refused." in lines[0]
    # Nothing was written that names a database that does not work.
    assert not (checkout / ".env").exists()


def test_run_script_on_a_port_in_use_stops_with_one_line(checkout):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run_script(checkout, PORT=str(port))

    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if line.strip() and "Installing" not in line]
    assert result.returncode != 0
    assert "Traceback" not in output
    assert lines == [
        f"CommandError: Cannot listen on 127.0.0.1:{port}: Address already in use. Another "
        f"server may use the port: stop it or pick another, e.g. PORT={port + 1} scripts/run.sh."
    ]


def test_run_script_refuses_a_port_that_is_not_a_number(checkout):
    result = run_script(checkout, PORT="80a")

    assert result.returncode == 2
    assert result.stderr == (
        "PORT must be a port number (1-65535), e.g. PORT=8001 scripts/run.sh (not '80a').\n"
    )
