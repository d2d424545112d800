"""Copy the existing Macondo (Prisma) database into this one. See legacy/importer.py."""

import time

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from legacy.importer import ImportAlreadyRunning, MacondoImporter
from macondo.progress import Progress

MERGED_EXPLAINED = (
    "Merged rows (MERGED above) were not created: each has the natural key of an earlier row "
    "(a user's email in any case; a client's name, or a campaign's name within its client, "
    "trimmed and in any case; a tag's name in any case), and its links, campaigns, tag "
    "assignments and clicks now belong to that earlier row, so nothing is lost. The old "
    "database is not changed."
)


def source_rows(source):
    """Rows the import will read from the source, over every table (the bar's total)."""
    with psycopg.connect(source) as connection:
        return sum(
            connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - the importer's table names
            for table in MacondoImporter.STEPS
        )


class Command(BaseCommand):
    help = (
        "Import users, clients, campaigns, tags, links (exact short codes) and clicks from "
        "the old Macondo PostgreSQL database. Idempotent; re-run to pick up new clicks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", required=True, help="postgres://user:password@host:port/dbname"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would happen; write nothing."
        )
        parser.add_argument(
            "--batch-size", type=int, default=100_000, help="Rows per batch (default 100000)."
        )

    def handle(self, *args, source, dry_run, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if connection.vendor != "postgresql":
            # The import streams with COPY and holds an advisory lock: PostgreSQL only.
            raise CommandError(
                "import_macondo writes into PostgreSQL; this database is "
                f"{connection.vendor}. Set DATABASE_URL to the PostgreSQL database to fill."
            )
        if not source.startswith(("postgres://", "postgresql://")):
            raise CommandError("--source must be a postgres:// URL of the old database.")
        progress = None

        def write(line):
            # The importer writes after every table and batch: the rows read so far show.
            progress.update_to(sum(c.read for c in importer.counts.values()))
            progress.write(line, stream=self.stdout)

        importer = MacondoImporter(source, batch_size=batch_size, dry_run=dry_run, write=write)
        started = time.monotonic()
        try:
            total = source_rows(source)
            progress = Progress(self.stderr, "import_macondo", total=total, unit="rows")
            with progress:
                counts = importer.run()
        except ImportAlreadyRunning as error:
            raise CommandError(str(error)) from None
        except psycopg.OperationalError as error:
            raise CommandError(f"Cannot read the source database: {error}") from None
        except psycopg.errors.UndefinedTable as error:
            raise CommandError(f"The source is not a Macondo database: {error}") from None
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{'table':<10} {'read':>10} {'new':>10} {'present':>10} {'merged':>8} {'rejected':>9}"
        )
        for table, c in counts.items():
            self.stdout.write(
                f"{table:<10} {c.read:>10,} {c.inserted:>10,} {c.present:>10,} "
                f"{c.merged:>8,} {c.rejected:>9,}"
            )
            for what, count in c.notes.items():
                self.stdout.write(f"{'':<10} note: {count:,} × {what}")
        if any(c.merged for c in counts.values()):
            self.stdout.write(MERGED_EXPLAINED)
        clicks = counts["clicks"].read
        rate = f", {clicks / elapsed:,.0f} clicks/s" if elapsed and clicks else ""
        summary = f"{'Dry run, nothing written' if dry_run else 'Done'} in {elapsed:.1f} s{rate}."
        self.stdout.write(self.style.SUCCESS(summary))
