"""gunicorn settings, read by the Procfile (`gunicorn -c gunicorn.conf.py`)."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# %(M)s: request time in milliseconds.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


# --- Click spool hooks (issue 4): keep these together ------------------------------------
# Each worker appends clicks to its own spool file; a flusher thread loads them into
# PostgreSQL about once a second (analytics/spool.py). On a graceful stop or reload
# (SIGTERM, SIGHUP, max_requests) the exiting worker loads what it spooled; if PostgreSQL
# is down then, the files stay and the next worker loads them.
def post_worker_init(worker):
    import importlib

    from django.conf import settings

    from analytics import spool

    # Load the URLconf (and the user-agent parser's ~1,300 regexes) now, not in the first
    # visitor's redirect: after a reload every new worker would otherwise stall once.
    importlib.import_module(settings.ROOT_URLCONF)
    from links import resolver

    try:
        resolver.prime()
    except Exception:  # PostgreSQL down at boot: the cache fills as links are followed
        worker.log.exception("link cache not primed")
    if settings.CLICK_FLUSHER_THREAD:
        spool.start_flusher()


def worker_exit(server, worker):
    from analytics import spool

    spool.shutdown(timeout=graceful_timeout / 2)
