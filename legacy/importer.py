"""Copies the existing Macondo database (Prisma, PostgreSQL) into this one.

Run by `manage.py import_macondo`. The source has Prisma's default mapping: camelCase quoted
columns, TEXT ids holding UUIDs, TIMESTAMP(3) without time zone holding UTC. Rows keep their
ids, short codes and timestamps, so a second run finds every row already there (ON CONFLICT
DO NOTHING) and a run after the old system got more clicks adds only those.

Small tables (users … link tags) go through Python (legacy/tables.py), where each row is
checked with this app's rules; clicks, the big one, stream from a COPY on the source into a
temporary table on the target in batches (legacy/clicks.py), and are checked and inserted by
one SQL statement per batch, so memory stays bounded and the speed is PostgreSQL's.

A row that cannot be taken is reported with its id and reason and the rest goes on. Rows
whose natural key already exists under another id (an email differing only in case, a
client name or a campaign name within its client that is the same trimmed and in any case
(links/names.py), a tag name in any case) are merged into the existing row, and reported:
nothing is dropped, the merged row's links, campaigns and clicks are attached to the row it
was merged into.
"""

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import psycopg
from django.db import connection, transaction

from legacy import tables
from legacy.clicks import copy_clicks

# Later versions of the old system added these columns; either spelling is accepted.
OPTIONAL_COLUMNS = {
    ("links", "name"): ("name",),
    ("clicks", "bot_score"): ("botScore", "bot_score"),
    ("clicks", "bot_signals"): ("botSignals", "bot_signals"),
    ("clicks", "asn_number"): ("asnNumber", "asn_number"),
    ("clicks", "asn_org"): ("asnOrg", "asn_org"),
}


# Session advisory-lock key of the import (any constant unique to this use).
IMPORT_LOCK = 0x4D41434F  # "MACO"


class ImportAlreadyRunning(Exception):
    pass


@dataclass
class TableCounts:
    read: int = 0
    inserted: int = 0
    present: int = 0
    merged: int = 0
    rejected: int = 0
    notes: dict = field(default_factory=dict)


class MacondoImporter:
    # In this order: each table's rows refer to the ones before.
    STEPS = {
        "users": tables.import_users,
        "clients": tables.import_clients,
        "campaigns": tables.import_campaigns,
        "tags": tables.import_tags,
        "links": tables.import_links,
        "link_tags": tables.import_link_tags,
        "clicks": copy_clicks,
    }

    def __init__(self, source_url, *, batch_size=100_000, dry_run=False, write=print):
        self.source_url = source_url
        self.batch_size = batch_size
        self.dry_run = dry_run
        self.write = write
        self.counts = {table: TableCounts() for table in self.STEPS}
        self.maps = {table: {} for table in ("users", "clients", "campaigns", "tags", "links")}

    # --- entry point -------------------------------------------------------------------------

    def run(self):
        with psycopg.connect(self.source_url, autocommit=False) as source:
            self.source = source
            self.columns = self._detect_optional_columns()
            # A real run commits table by table and click batch by click batch, so the
            # database's deferred foreign-key checks and WAL stay bounded by a batch. A dry
            # run does everything in one transaction and rolls it back, so its counts are
            # exactly what a real run would produce.
            whole_run = transaction.atomic() if self.dry_run else nullcontext()
            with self._only_import_running(), whole_run:
                for step in self.STEPS.values():
                    step(self)
                if self.dry_run:
                    transaction.set_rollback(True)
        return self.counts

    @contextmanager
    def _only_import_running(self):
        # Two imports at once could race on the same ids (the click INSERT relies on it).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [IMPORT_LOCK])
            if not cursor.fetchone()[0]:
                raise ImportAlreadyRunning("Another import_macondo is running on this database.")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK])

    def _detect_optional_columns(self):
        rows = self.source.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name IN ('links', 'clicks')"
        ).fetchall()
        present = {(table, column): data_type for table, column, data_type in rows}
        found = {}
        for (table, ours), spellings in OPTIONAL_COLUMNS.items():
            for spelling in spellings:
                if (table, spelling) in present:
                    found[ours] = (spelling, present[(table, spelling)])
                    break
        names = ", ".join(f"{table}.{ours}" for (table, ours) in OPTIONAL_COLUMNS)
        taken = ", ".join(sorted(found)) or "none"
        self.write(f"Optional source columns ({names}) found: {taken}")
        return found

    # --- reporting ---------------------------------------------------------------------------

    def reject(self, table, source_id, reason):
        self.counts[table].rejected += 1
        self.write(f"  REJECTED {table} {source_id}: {reason}")

    def merge(self, table, source_id, target_id, reason):
        self.counts[table].merged += 1
        self.maps[table][source_id] = target_id
        self.write(f"  MERGED {table} {source_id} into {target_id}: {reason}")

    def note(self, table, source_id, what, count=1):
        counts = self.counts[table]
        counts.notes[what] = counts.notes.get(what, 0) + count
        if source_id is not None:
            self.write(f"  NOTE {table} {source_id}: {what}")

    # --- helpers -----------------------------------------------------------------------------

    def source_batches(self, table, query):
        with self.source.cursor(name=f"import_{table}") as cursor:
            cursor.itersize = self.batch_size
            cursor.execute(query)
            while rows := cursor.fetchmany(self.batch_size):
                self.counts[table].read += len(rows)
                yield rows
        self.source.rollback()

    def insert(self, table, columns, types, rows, conflict="(id)"):
        """One INSERT … SELECT FROM unnest(arrays) per batch; returns rows inserted."""
        if not rows:
            return 0
        arrays = ", ".join(f"%s::{type_}[]" for type_ in types)
        # Table, columns and types are this module's constants; values go as parameters.
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "  # noqa: S608
            f"ON CONFLICT {conflict} DO NOTHING"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(values) for values in zip(*rows, strict=True)])
            inserted = cursor.rowcount
        self.counts[table].inserted += inserted
        self.counts[table].present += len(rows) - inserted
        return inserted

    def target_keys(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return {key: value for key, value in cursor.fetchall()}

    def progress(self, table):
        counts = self.counts[table]
        self.write(f"{table}: {counts.read:,} read, {counts.inserted:,} new")

    def fetch_target(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
