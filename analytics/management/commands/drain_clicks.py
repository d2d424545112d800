import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection

from analytics.clicks.spool import loading


class Command(BaseCommand):
    help = (
        "Load spooled clicks (CLICK_SPOOL_DIR) into the clicks table: files of dead or "
        "stopped workers and rotated files. Live workers' open files are left to them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="spool folder (default: CLICK_SPOOL_DIR)")
        parser.add_argument(
            "--dry-run", action="store_true", help="count spooled clicks, load nothing"
        )
        parser.add_argument(
            "--follow",
            action="store_true",
            help="keep draining every CLICK_FLUSH_INTERVAL seconds (a separate drainer "
            "process, for servers run with CLICK_FLUSHER_THREAD=false)",
        )

    def handle(self, *args, dir=None, dry_run=False, follow=False, **options):
        directory = dir or settings.CLICK_SPOOL_DIR
        if not follow:
            # Everything now: a one-off load need not wait for other workers' clicks.
            result = loading.drain(directory, dry_run=dry_run, wait=False)
            self._summary(result, dry_run)
            return
        while True:
            try:
                result = loading.drain(directory)
                if result.files:
                    self._summary(result, False)
            except DatabaseError as error:
                self.stderr.write(f"PostgreSQL unavailable, retrying: {error}")
                connection.close()
            time.sleep(settings.CLICK_FLUSH_INTERVAL)

    def _summary(self, result, dry_run):
        if dry_run:
            self.stdout.write(f"{result.lines} spooled clicks in {result.files} files (dry run).")
            return
        self.stdout.write(
            f"{result.inserted} clicks loaded from {result.files} files "
            f"({result.skipped} already stored or of deleted links, "
            f"{result.rejected} rejected)."
        )
