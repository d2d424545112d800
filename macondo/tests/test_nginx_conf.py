"""The proxy configuration shipped for production (deploy/nginx.conf) parses with Debian's
nginx, and proxies to the app as the settings expect."""

import http.client
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deploy.local_nginx import LocalNginx, nginx_binary

pytestmark = pytest.mark.skipif(
    nginx_binary() is None, reason="nginx is not installed (apt-get install nginx)"
)


@pytest.fixture
def upstream():
    """A stand-in for gunicorn that answers with the headers nginx sent it."""

    class Echo(BaseHTTPRequestHandler):
        def do_GET(self):
            body = "\n".join(f"{k}: {v}" for k, v in self.headers.items()).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def nginx(upstream):
    proxy = LocalNginx(upstream)
    yield proxy
    proxy.stop()


def test_the_shipped_nginx_conf_parses(nginx):
    passed, said = nginx.check()
    assert passed, said


def headers_seen_by_the_app(nginx, secure, **headers):
    if secure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", nginx.https_port, context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", nginx.http_port)
    connection.request("GET", "/Promo24", headers=headers)
    lines = connection.getresponse().read().decode().splitlines()
    connection.close()
    return dict(line.split(": ", 1) for line in lines)


@pytest.mark.parametrize(("secure", "scheme"), [(True, "https"), (False, "http")])
def test_the_app_gets_the_scheme_and_the_address_nginx_saw_rightmost(nginx, secure, scheme):
    nginx.start()
    seen = headers_seen_by_the_app(
        nginx, secure, **{"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"}
    )
    # TRUSTED_PROXY_COUNT=1 takes the rightmost entry: the client's claim stays to its left.
    assert seen["X-Forwarded-For"] == "6.6.6.6, 127.0.0.1"
    # BEHIND_TLS_PROXY=true trusts this header: nginx sets it, never passes the client's.
    assert seen["X-Forwarded-Proto"] == scheme
