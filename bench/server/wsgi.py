"""The production WSGI application behind the floor baseline: `/bench-floor/...` gets a
constant 302 straight from WSGI, no Django at all (what gunicorn and the kernel cost per
request on their own)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.server.settings")

from macondo.wsgi import application as site  # noqa: E402 (after the settings module is named)

_FLOOR_HEADERS = (("Location", "https://example.com/"), ("Content-Length", "0"))


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith("/bench-floor/"):
        start_response("302 Found", list(_FLOOR_HEADERS))
        return [b""]
    return site(environ, start_response)
