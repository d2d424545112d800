"""deploy/nginx.conf run as an nginx of one's own: a temporary prefix, ports picked at run
time, a throw-away certificate, in the foreground. Used by bench/redirect --slow-clients and
by the test that the shipped file parses; a system nginx is never touched.

Only the lines that name ports, paths and the certificate are replaced, each one checked to
be in the file, so the configuration measured and tested is the one shipped.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CONF = Path(__file__).resolve().parent / "nginx.conf"


def nginx_binary():
    return shutil.which("nginx") or next(
        (str(path) for path in (Path("/usr/sbin/nginx"),) if path.exists()), None
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalNginx:
    def __init__(self, upstream_port, access_log=False):
        self.binary = nginx_binary()
        if self.binary is None:
            raise FileNotFoundError("nginx is not installed (apt-get install nginx)")
        self.prefix = Path(tempfile.mkdtemp(prefix="macondo-nginx-"))
        # nginx's workers run as www-data when it starts as root: they must reach the prefix.
        self.prefix.chmod(0o755)
        self.http_port, self.https_port = free_port(), free_port()
        cert, key = self.prefix / "cert.pem", self.prefix / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
            + ["-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )
        log = f"access_log {self.prefix / 'access.log'};" if access_log else "access_log off;"
        text = CONF.read_text()
        for old, new in (
            ("user www-data;", "user www-data;" if os.geteuid() == 0 else ""),
            ("pid /run/nginx.pid;", f"pid {self.prefix / 'nginx.pid'};"),
            ("error_log /var/log/nginx/error.log;", f"error_log {self.prefix / 'error.log'};"),
            ("access_log /var/log/nginx/access.log;", log),
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};"),
            ("listen 80 default_server;", f"listen 127.0.0.1:{self.http_port} default_server;"),
            ("listen [::]:80 default_server;", ""),
            (
                "listen 443 ssl http2 default_server;",
                f"listen 127.0.0.1:{self.https_port} ssl http2 default_server;",
            ),
            ("listen [::]:443 ssl http2 default_server;", ""),
            ("/etc/ssl/certs/ssl-cert-snakeoil.pem", str(cert)),
            ("/etc/ssl/private/ssl-cert-snakeoil.key", str(key)),
        ):
            if old not in text:
                raise ValueError(f"deploy/nginx.conf no longer has {old!r}")
            text = text.replace(old, new)
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(text)
        self.process = None

    def _command(self, *args):
        return [self.binary, "-p", str(self.prefix), "-c", str(self.conf), *args]

    def check(self):
        """`nginx -t` on the configuration: (passed, what nginx said)."""
        result = subprocess.run(self._command("-t"), capture_output=True, text=True)
        return result.returncode == 0, result.stderr

    def start(self):
        self.process = subprocess.Popen(
            self._command("-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=open(self.prefix / "stderr.log", "wb"),  # noqa: SIM115 (lives with nginx)
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.prefix / "stderr.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not listen within 10 s")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            self.process.wait(10)
        shutil.rmtree(self.prefix, ignore_errors=True)
