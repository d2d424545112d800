import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection

from analytics import spool


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
            help="keep draining every CLICK_FLUSH_INTERVAL seconds, as the drainer process "
            "(gunicorn.conf.py starts one; workers then only rotate their files) until "
            "SIGTERM or SIGINT",
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=0,
            help="with --follow: lower this process's CPU priority by this much, so that "
            "redirects come first when the cores are busy",
        )
        parser.add_argument(
            "--parent",
            type=int,
            help="with --follow: stop once the process with this pid is no longer the parent "
            "(the gunicorn master died)",
        )

    def handle(self, *args, dir=None, dry_run=False, follow=False, **options):
        directory = dir or settings.CLICK_SPOOL_DIR
        if not follow:
            result = spool.drain(directory, dry_run=dry_run)
            self._summary(result, dry_run)
            return
        if options["nice"]:
            os.nice(options["nice"])
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        parent = options["parent"]
        with spool.drainer_lock(directory):
            failing = False
            while True:
                try:
                    result = spool.drain(directory)
                    if result.files and options["verbosity"] > 1:
                        self._summary(result, False)
                    failing = False
                except DatabaseError as error:
                    if not failing:
                        self.stderr.write(f"PostgreSQL unavailable, retrying: {error}")
                    failing = True
                    connection.close()
                if stopping.is_set() or (parent and os.getppid() != parent):
                    break
                stopping.wait(settings.CLICK_FLUSH_INTERVAL)

    def _summary(self, result, dry_run):
        if dry_run:
            self.stdout.write(f"{result.lines} spooled clicks in {result.files} files (dry run).")
            return
        self.stdout.write(
            f"{result.inserted} clicks loaded from {result.files} files "
            f"({result.skipped} already stored or of deleted links, "
            f"{result.rejected} rejected)."
        )
