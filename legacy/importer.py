"""Copies the existing Macondo database (Prisma, PostgreSQL) into this one.

Run by `manage.py import_macondo`. The source has Prisma's default mapping: camelCase quoted
columns, TEXT ids holding UUIDs, TIMESTAMP(3) without time zone holding UTC. Rows keep their
ids, short codes and timestamps, so a second run finds every row already there (ON CONFLICT
DO NOTHING) and a run after the old system got more clicks adds only those.

Small tables (users … link tags) go through Python, where each row is checked with this
app's rules; clicks, the big one, stream from a COPY on the source into a temporary table
on the target in batches (legacy/clicks.py), and are checked and inserted by one
SQL statement per batch, so memory stays bounded and the speed is PostgreSQL's.

A row that cannot be taken is reported with its id and reason and the rest goes on. Rows
whose natural key already exists under another id (an email differing only in case, a
client name or a campaign name within its client that is the same trimmed and in any case
(links/names.py), a tag name in any case) are merged into the existing row, and reported:
nothing is dropped, the merged row's links, campaigns and clicks are attached to the row it
was merged into.
"""

import re
import uuid
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accounts.models import normalize_email
from legacy.clicks import copy_clicks
from links import link_changes
from links.destinations import normalize_destination
from links.names import name_keys, normalize_name
from links.shortcodes import CODE_RE

_UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_UUID_RE = re.compile(_UUID_PATTERN)
# Later versions of the old system added these columns; either spelling is accepted.
OPTIONAL_COLUMNS = {
    ("links", "name"): ("name",),
    ("clicks", "bot_score"): ("botScore", "bot_score"),
    ("clicks", "bot_signals"): ("botSignals", "bot_signals"),
    ("clicks", "asn_number"): ("asnNumber", "asn_number"),
    ("clicks", "asn_org"): ("asnOrg", "asn_org"),
}
# Destination problems an imported link may keep: the old system served them already.
_TOLERATED_URL_ERRORS = {"too_long"}


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
    TABLES = ("users", "clients", "campaigns", "tags", "links", "link_tags", "clicks")

    def __init__(self, source_url, *, batch_size=100_000, dry_run=False, write=print):
        self.source_url = source_url
        self.batch_size = batch_size
        self.dry_run = dry_run
        self.write = write
        self.counts = {table: TableCounts() for table in self.TABLES}
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
                for table in self.TABLES:
                    getattr(self, f"_import_{table}")()
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

    def _source_batches(self, table, query):
        with self.source.cursor(name=f"import_{table}") as cursor:
            cursor.itersize = self.batch_size
            cursor.execute(query)
            while rows := cursor.fetchmany(self.batch_size):
                self.counts[table].read += len(rows)
                yield rows
        self.source.rollback()

    def _insert(self, table, columns, types, rows, conflict="(id)"):
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

    def _target_keys(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return {key: value for key, value in cursor.fetchall()}

    def _progress(self, table):
        counts = self.counts[table]
        self.write(f"{table}: {counts.read:,} read, {counts.inserted:,} new")

    @staticmethod
    def _uuid(value):
        return uuid.UUID(value) if isinstance(value, str) and _UUID_RE.match(value) else None

    # --- tables ------------------------------------------------------------------------------

    def _import_users(self):
        by_email = self._target_keys("SELECT email, id FROM users")
        query = (
            'SELECT "id", "email", "name", "avatarUrl", "createdAt" AT TIME ZONE \'UTC\', '
            '"updatedAt" AT TIME ZONE \'UTC\' FROM "users" ORDER BY "createdAt", "id"'
        )
        for batch in self._source_batches("users", query):
            rows = []
            for sid, email, name, avatar, created, updated in batch:
                uid = self._uuid(sid)
                if uid is None:
                    self.reject("users", sid, "id is not a UUID")
                    continue
                email = normalize_email(email or "")
                if "@" not in email or len(email) > 254:
                    self.reject("users", sid, f"invalid email {email!r}")
                    continue
                existing = by_email.get(email)
                if existing is not None and existing != uid:
                    self.merge(
                        "users", sid, existing, f"email {email} (lower-cased) is already a user's"
                    )
                    continue
                if avatar and len(avatar) > 2048:
                    self.note("users", sid, "avatar URL longer than 2048 characters left out")
                    avatar = None
                by_email[email] = self.maps["users"][sid] = uid
                # Staff sign in with Google: no usable password, like UserManager does.
                rows.append(
                    (uid, make_password(None), email, (name or "")[:255], avatar, created, updated)
                )
            self._insert(
                "users",
                ("id", "password", "email", "name", "avatar_url", "created_at", "updated_at")
                + ("is_active", "is_staff", "is_superuser", "role"),
                ("uuid", "text", "text", "text", "text", "timestamptz", "timestamptz")
                + ("boolean", "boolean", "boolean", "text"),
                # Active, with the role of a new sign-in: who administers is decided here,
                # not imported.
                [row + (True, False, False, settings.DEFAULT_STAFF_ROLE) for row in rows],
            )
        self._progress("users")

    def _import_clients(self):
        # Names compared as the unique index compares them (links/names.py).
        target = self._fetch_target("SELECT id, lower(name), name FROM clients")
        ids = {uid for uid, _, _ in target}
        by_key = {key: (uid, name) for uid, key, name in target}
        query = (
            'SELECT "id", "name", "createdAt" AT TIME ZONE \'UTC\', '
            '"updatedAt" AT TIME ZONE \'UTC\' FROM "clients" ORDER BY "createdAt", "id"'
        )
        for batch in self._source_batches("clients", query):
            keys = name_keys(name or "" for _, name, _, _ in batch)
            rows = []
            for sid, raw, created, updated in batch:
                uid = self._uuid(sid)
                name = normalize_name(raw)
                if uid is None:
                    self.reject("clients", sid, "id is not a UUID")
                    continue
                if not name or len(name) > 200:
                    self.reject("clients", sid, "name is empty or longer than 200 characters")
                    continue
                existing = by_key.get(keys[raw or ""])
                if uid not in ids and existing is not None:
                    # Its links and campaigns are attached to the earlier client.
                    self.merge(
                        "clients",
                        sid,
                        existing[0],
                        f"{raw!r} is the same name as {existing[1]!r} (trimmed, in any case)",
                    )
                    continue
                if name != raw:
                    self.note("clients", sid, "name stored trimmed")
                if uid not in ids:
                    by_key[keys[raw]] = (uid, name)
                self.maps["clients"][sid] = uid
                rows.append((uid, name, created, updated))
            self._insert(
                "clients",
                ("id", "name", "created_at", "updated_at"),
                ("uuid", "text", "timestamptz", "timestamptz"),
                rows,
            )
        self._progress("clients")

    def _import_campaigns(self):
        target = self._fetch_target("SELECT id, client_id, lower(name), name FROM campaigns")
        ids = {uid for uid, _, _, _ in target}
        by_key = {(client, key): (uid, name) for uid, client, key, name in target}
        query = (
            'SELECT "id", "name", "clientId", "createdAt" AT TIME ZONE \'UTC\', '
            '"updatedAt" AT TIME ZONE \'UTC\' FROM "campaigns" ORDER BY "createdAt", "id"'
        )
        for batch in self._source_batches("campaigns", query):
            keys = name_keys(name or "" for _, name, _, _, _ in batch)
            rows = []
            for sid, raw, client_sid, created, updated in batch:
                uid = self._uuid(sid)
                # A merged client's campaigns go to the client it was merged into.
                client = self.maps["clients"].get(client_sid)
                name = normalize_name(raw)
                if uid is None:
                    self.reject("campaigns", sid, "id is not a UUID")
                    continue
                if client is None:
                    self.reject("campaigns", sid, f"orphan: client {client_sid} not imported")
                    continue
                if not name or len(name) > 200:
                    self.reject("campaigns", sid, "name is empty or longer than 200 characters")
                    continue
                existing = by_key.get((client, keys[raw or ""]))
                if uid not in ids and existing is not None:
                    self.merge(
                        "campaigns",
                        sid,
                        existing[0],
                        f"{raw!r} is the same name as the client's campaign "
                        f"{existing[1]!r} (trimmed, in any case)",
                    )
                    continue
                if name != raw:
                    self.note("campaigns", sid, "name stored trimmed")
                if uid not in ids:
                    by_key[(client, keys[raw])] = (uid, name)
                self.maps["campaigns"][sid] = uid
                rows.append((uid, name, client, created, updated))
            self._insert(
                "campaigns",
                ("id", "name", "client_id", "created_at", "updated_at"),
                ("uuid", "text", "uuid", "timestamptz", "timestamptz"),
                rows,
            )
        self._progress("campaigns")

    def _import_tags(self):
        by_lower = self._target_keys("SELECT lower(name), id FROM tags")
        query = (
            'SELECT "id", "name", "createdAt" AT TIME ZONE \'UTC\', '
            '"updatedAt" AT TIME ZONE \'UTC\' FROM "tags" ORDER BY "createdAt", "id"'
        )
        for batch in self._source_batches("tags", query):
            rows = []
            for sid, name, created, updated in batch:
                uid = self._uuid(sid)
                if uid is None:
                    self.reject("tags", sid, "id is not a UUID")
                    continue
                if not name or len(name) > 100:
                    self.reject("tags", sid, "name is empty or longer than 100 characters")
                    continue
                existing = by_lower.get(name.lower())
                if existing is not None and existing != uid:
                    self.merge("tags", sid, existing, f"tag {name!r} clashes case-insensitively")
                    continue
                by_lower[name.lower()] = self.maps["tags"][sid] = uid
                rows.append((uid, name, created, updated))
            self._insert(
                "tags",
                ("id", "name", "created_at", "updated_at"),
                ("uuid", "text", "timestamptz", "timestamptz"),
                rows,
            )
        self._progress("tags")

    def _import_links(self):
        by_code = self._target_keys("SELECT short_code, id FROM links")
        campaign_clients = dict(self._fetch_target("SELECT id, client_id FROM campaigns"))
        # The column name is one of OPTIONAL_COLUMNS' fixed spellings, never source data.
        name = f'"{self.columns["name"][0]}"' if "name" in self.columns else "''"
        query = (
            f'SELECT "id", "shortCode", "originalUrl", "userId", "clientId", "campaignId", '  # noqa: S608
            f"{name}, \"createdAt\" AT TIME ZONE 'UTC', \"updatedAt\" AT TIME ZONE 'UTC' "
            'FROM "links" ORDER BY "createdAt", "id"'
        )
        for batch in self._source_batches("links", query):
            rows = []
            for (
                sid,
                code,
                url,
                user_sid,
                client_sid,
                campaign_sid,
                title,
                created,
                updated,
            ) in batch:
                uid = self._uuid(sid)
                user = self.maps["users"].get(user_sid)
                client = self.maps["clients"].get(client_sid)
                if uid is None:
                    self.reject("links", sid, "id is not a UUID")
                    continue
                if user is None or client is None:
                    missing = f"user {user_sid}" if user is None else f"client {client_sid}"
                    self.reject("links", sid, f"orphan: {missing} not imported")
                    continue
                if not code or not CODE_RE.fullmatch(code):
                    self.reject("links", sid, f"short code {code!r} cannot be served in a URL")
                    continue
                if by_code.get(code, uid) != uid:
                    self.reject("links", sid, f"short code {code!r} is taken by another link")
                    continue
                reason = self._destination_problem(url)
                if reason:
                    self.reject("links", sid, reason)
                    continue
                campaign = self.maps["campaigns"].get(campaign_sid) if campaign_sid else None
                if campaign_sid and campaign is None:
                    self.note("links", sid, f"campaign {campaign_sid} not imported: left empty")
                elif campaign and campaign_clients.get(campaign) != client:
                    self.note("links", sid, "campaign of another client: left empty")
                    campaign = None
                by_code[code] = self.maps["links"][sid] = uid
                rows.append(
                    (uid, code, url, user, client, campaign, (title or "")[:200], created, updated)
                )
            self._insert(
                "links",
                (
                    "id",
                    "short_code",
                    "original_url",
                    "user_id",
                    "client_id",
                    "campaign_id",
                    "name",
                    "created_at",
                    "updated_at",
                    "is_active",
                    "forward_query",
                ),
                ("uuid", "text", "text", "uuid", "uuid", "uuid", "text")
                + ("timestamptz", "timestamptz", "boolean", "boolean"),
                # Old links redirect exactly to the stored URL, as they did before.
                [row + (True, False) for row in rows],
            )
            self._progress("links")
        if self.counts["links"].inserted and not self.dry_run:
            # Rows written without signals: every worker reads its set of codes again.
            link_changes.announce_all()

    @staticmethod
    def _destination_problem(url):
        """None when the link may keep its stored URL as it is (normalised or not)."""
        try:
            normalize_destination(url)
        except ValidationError as error:
            if error.code not in _TOLERATED_URL_ERRORS:
                return f"destination {url!r:.200}: {' '.join(error.messages)}"
        return None

    def _import_link_tags(self):
        query = (
            'SELECT "linkId", "tagId", "assignedAt" AT TIME ZONE \'UTC\' FROM "link_tags" '
            'ORDER BY "linkId", "tagId"'
        )
        for batch in self._source_batches("link_tags", query):
            rows = []
            for link_sid, tag_sid, assigned in batch:
                link = self.maps["links"].get(link_sid)
                tag = self.maps["tags"].get(tag_sid)
                if link is None or tag is None:
                    missing = f"link {link_sid}" if link is None else f"tag {tag_sid}"
                    self.reject("link_tags", f"{link_sid}/{tag_sid}", f"orphan: {missing}")
                    continue
                rows.append((uuid.uuid4(), link, tag, assigned))
            self._insert(
                "link_tags",
                ("id", "link_id", "tag_id", "assigned_at"),
                ("uuid", "uuid", "uuid", "timestamptz"),
                rows,
                conflict="(link_id, tag_id)",
            )
            self._progress("link_tags")

    def _fetch_target(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def _import_clicks(self):
        copy_clicks(self)
