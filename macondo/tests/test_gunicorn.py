import os
import re
import runpy
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def load_config(**env):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_workers_default_to_the_core_count_and_come_from_the_environment():
    config = load_config(WEB_CONCURRENCY="", GUNICORN_THREADS="")
    assert config["workers"] == os.cpu_count() * 2 + 1
    assert config["threads"] == 1
    config = load_config(WEB_CONCURRENCY="3", GUNICORN_THREADS="4", GUNICORN_TIMEOUT="12")
    assert (config["workers"], config["threads"], config["timeout"]) == (3, 4, 12)


def test_the_access_log_has_the_request_time_and_no_query_string():
    config = load_config(ANONYMIZE_IP="false")
    assert "%(M)s" in config["access_log_format"]
    assert "%(r)s" not in config["access_log_format"] and "%(q)s" not in config["access_log_format"]
    assert config["access_log_format"].startswith("%(h)s")


def test_the_access_log_leaves_out_the_client_address_when_ips_are_anonymised():
    assert "%(h)s" not in load_config(ANONYMIZE_IP="true")["access_log_format"]


LISTENING = re.compile(r"Listening at: http://[\d.]+:(\d+) ")


class Output:
    """A process's output, read by a thread as it comes (a blocking read can't time out)."""

    def __init__(self, stream):
        self.lines = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in iter(stream.readline, b""):
            self.lines.append(line.decode(errors="replace"))

    def text(self):
        return "".join(self.lines)

    def close(self):
        self._thread.join(5)
        return self.text()


def listening_port(process, output):
    """The port gunicorn bound: PORT=0 lets the kernel pick a free one, so two test runs on
    one machine never collide, and gunicorn names it in its "Listening at" line."""
    for _ in range(150):
        found = LISTENING.search(output.text())
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            raise AssertionError(output.close())
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not say where it listens:\n{output.text()}")


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in the venv")
def test_sigterm_lets_an_in_flight_request_finish(tmp_path):
    started = tmp_path / "started"
    env = dict(
        os.environ,
        PORT="0",
        WEB_CONCURRENCY="1",
        GUNICORN_GRACEFUL_TIMEOUT="10",
        SLOW_APP_SECONDS="2",
        SLOW_APP_STARTED=str(started),
    )
    server = subprocess.Popen(  # noqa: S603 - our own venv binary, fixed arguments
        [str(GUNICORN), "-c", "gunicorn.conf.py", "macondo.tests.slow_app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = Output(server.stdout)
    try:
        port = listening_port(server, output)
        result = {}

        def request():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/slow", timeout=15) as response:
                result["status"], result["body"] = response.status, response.read()

        client = threading.Thread(target=request)
        client.start()
        for _ in range(150):
            if started.exists():
                break
            time.sleep(0.1)
        assert started.exists(), "the request never reached the app"
        server.send_signal(signal.SIGTERM)
        client.join(20)
        exit_code = server.wait(20)
    finally:
        if server.poll() is None:
            server.kill()
    output = output.close()
    assert result.get("status") == 200, (result, output)
    assert result["body"] == b"finished"
    assert exit_code == 0, output
    assert "Handling signal: term" in output


class _WorkerLog:
    """What post_worker_init uses of a gunicorn worker: its log."""

    def __init__(self):
        self.lines = []

    def info(self, message, *args):
        self.lines.append(message % args)

    def exception(self, message, *args):
        self.lines.append("exception: " + message % args)


def test_a_new_worker_primes_its_cache_freezes_what_it_built_and_says_it_is_ready(db):
    import gc
    from types import SimpleNamespace

    from links.tests.factories import LinkFactory

    LinkFactory.create_batch(3)
    log = _WorkerLog()
    post_worker_init = load_config()["post_worker_init"]
    gc.unfreeze()
    try:
        post_worker_init(SimpleNamespace(log=log))
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert frozen > 0
    assert log.lines == ["Worker ready: 3 links cached"]
