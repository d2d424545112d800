"""Production settings with the benchmark's URLconf (bench/server/urls.py)."""

from macondo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.server.urls"
