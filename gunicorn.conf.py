"""gunicorn settings, read by the Procfile (`gunicorn -c gunicorn.conf.py`).

Every value comes from the environment (listed in .env.example) with a default for the
machine it runs on, read as macondo/settings.py reads it: django-environ, real variables
first, then the checkout's .env.
"""

import multiprocessing
import os
from pathlib import Path

import environ

env = environ.Env()
environ.Env.read_env(Path(__file__).resolve().parent / ".env", overwrite=False)


def _env_int(name, default):
    # Empty counts as unset: a platform may define the variable with no value.
    return env.int(name, default=default) if env.str(name, default="") else default


bind = f"0.0.0.0:{env.str('PORT', default='8000')}"
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
# workers restarting at once. Rarely: a new worker spends CPU priming its link cache, and at
# campaign peaks a low limit would recycle some worker every few seconds.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 200000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 20000)
# The heartbeat file on tmpfs: a slow container disk must not look like a hung worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

accesslog = env.str("GUNICORN_ACCESSLOG", default="-") or None
# Path without the query string (it may carry tokens); %(M)s is the request time in ms.
# With ANONYMIZE_IP the client address is left out: gunicorn cannot truncate it.
_client = "" if env.bool("ANONYMIZE_IP", default=False) else "%(h)s "
access_log_format = _client + '"%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
# Writes the same lines as gunicorn's logger for less CPU per request (macondo/access_log.py;
# the figure is in bench/RESULTS.md).
logger_class = "macondo.access_log.AccessLogger"
loglevel = env.str("LOG_LEVEL", default="INFO").lower()


# --- Click spool hooks: keep these together ------------------------------------
# Each worker appends clicks to its own spool file; a flusher thread loads them into
# PostgreSQL about once a second (analytics/clicks/spool/). On a graceful stop or reload
# (SIGTERM, SIGHUP, max_requests) the exiting worker loads what it spooled; if PostgreSQL
# is down then, the files stay and the next worker loads them.
def _serves_django():
    from django.apps import apps

    return apps.ready  # the worker has loaded macondo.wsgi (not some other WSGI app)


def post_worker_init(worker):
    import gc
    import importlib

    if not _serves_django():
        return
    from django.conf import settings

    from analytics.clicks.spool import flusher

    # Load the URLconf (and the user-agent parser's regexes) now, not in the first
    # visitor's redirect: after a reload every new worker would otherwise stall once.
    importlib.import_module(settings.ROOT_URLCONF)
    from links import resolver

    try:
        cached = resolver.prime()
    except Exception:  # PostgreSQL down at boot: the cache fills as links are followed
        worker.log.exception("link cache not primed")
        cached = 0
    from analytics.clicks import tracking

    tracking.warm_up()
    # What the worker built at boot (Django, the cached links, compiled patterns) lives
    # as long as the worker: out of the cyclic collector's sight, no full pass re-scans it
    # on some visitor's request.
    gc.freeze()
    if settings.CLICK_FLUSHER_THREAD:
        flusher.start_flusher()
    # gunicorn logs "Booting worker" when it forks one; this line says it now serves. A USR2
    # upgrade waits for one per new worker before stopping the old master (docs/operations.md).
    worker.log.info("Worker ready: %d links cached", cached)


def worker_exit(server, worker):
    if not _serves_django():
        return
    from analytics.clicks.spool import flusher

    flusher.shutdown(timeout=graceful_timeout / 2)
