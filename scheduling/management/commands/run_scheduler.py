import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from macondo import workers
from scheduling import runner

logger = logging.getLogger("scheduling")


class Command(BaseCommand):
    help = (
        "The Procfile's `scheduler` process: every SCHEDULER_TICK_SECONDS it sends the "
        "report emails that are due and, hourly, runs rollup_clicks. Run one or two (a second "
        "waits on a PostgreSQL advisory lock and takes over when the first stops)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one tick, then exit")

    def handle(self, *args, once=False, **options):
        if once:
            ran = runner.tick()
            if ran is None:
                self.stdout.write("Another scheduler holds the lock: nothing run.")
            else:
                self.stdout.write(f"Ran: {', '.join(ran) or 'nothing due'}.")
            return
        # On a stop, the job running now finishes; no new tick starts.
        stop = workers.stop_event(logger, "scheduler")
        logger.info("scheduler started")
        interval = settings.SCHEDULER_TICK_SECONDS
        while not stop.is_set():
            close_old_connections()
            try:
                runner.tick()
            except Exception:
                # The database may be down for a while: the next tick tries again.
                logger.exception("scheduler tick failed")
            # Ticks on round multiples of the interval (every minute at :00 by default).
            stop.wait(interval - time.time() % interval)
        logger.info("scheduler stopped")
