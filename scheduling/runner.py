"""One scheduler tick: under a PostgreSQL advisory lock (so two scheduler processes never
run jobs at the same time), run each job that is due and record when it ran."""

import contextlib
import logging

from django.db import connection
from django.utils import timezone

from .jobs import JOBS
from .models import JobRun

logger = logging.getLogger("scheduling")

# pg_try_advisory_lock's key for the scheduler: any constant no other code uses.
LOCK_KEY = 0x6D61636F6E646F  # "macondo"


@contextlib.contextmanager
def scheduler_lock():
    """True while this process holds the scheduler's lock, False when another does. A
    session lock: released at the end, or by PostgreSQL when this process dies."""
    if connection.vendor != "postgresql":
        # SQLite is the one-process quick start: there is no second scheduler to exclude.
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def tick(jobs=JOBS):
    """Run the due jobs; their names, or None when another scheduler holds the lock."""
    with scheduler_lock() as held:
        if not held:
            return None
        ran = []
        last = dict(JobRun.objects.values_list("name", "last_started_at"))
        for job in jobs:
            started = timezone.now()
            if not job.is_due(last.get(job.name), started):
                continue
            JobRun.objects.update_or_create(
                name=job.name, defaults={"last_started_at": started, "last_error": ""}
            )
            error = ""
            try:
                summary = job.run()
            except Exception as exc:
                # One job's failure is logged and recorded; the others still run.
                logger.exception("scheduled job %s failed", job.name)
                error = f"{type(exc).__name__}: {exc}"[:2000]
            else:
                logger.info("scheduled job %s: %s", job.name, summary)
            JobRun.objects.filter(name=job.name).update(
                last_finished_at=timezone.now(), last_error=error
            )
            ran.append(job.name)
        return ran
