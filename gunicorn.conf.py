"""gunicorn settings, read by the Procfile (`gunicorn -c gunicorn.conf.py`).

Every value comes from the environment (listed in .env.example) with a default for the
machine it runs on.
"""

import multiprocessing
import os


def _env_int(name, default):
    return int(os.environ.get(name) or default)


def _env_bool(name, default):
    value = os.environ.get(name)
    return default if value in (None, "") else value.lower() in ("1", "true", "yes", "on")


bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# The redirect waits on the database more than it computes: 2 workers per core (+1) keeps
# the cores busy. Threads > 1 switch to the gthread worker (cheaper than more processes).
workers = _env_int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _env_int("GUNICORN_THREADS", 1)
# A worker silent for this long is killed and replaced (a stuck request, not a slow one).
timeout = _env_int("GUNICORN_TIMEOUT", 30)
# SIGTERM: stop accepting, let in-flight requests finish for up to this long, then exit.
# Keep it below the platform's kill grace period (Heroku/Kubernetes default: 30 s).
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never becomes an outage; jitter avoids all
# workers restarting at once.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# The heartbeat file on tmpfs: a slow container disk must not look like a hung worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
# Path without the query string (it may carry tokens); %(M)s is the request time in ms.
# With ANONYMIZE_IP the client address is left out: gunicorn cannot truncate it.
_client = "" if _env_bool("ANONYMIZE_IP", False) else "%(h)s "
access_log_format = _client + '"%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
