"""The clicks part of `import_macondo`: COPY from the source, checks and INSERT in SQL.

One sequential `COPY (SELECT …) TO STDOUT` on the source is cut into batches at line ends;
each batch is `COPY`'d into a temporary table on the target and inserted by one
INSERT … SELECT … ON CONFLICT (id) DO NOTHING that maps link ids and checks values. No click
becomes a Python object; memory holds one batch of COPY text.

Fast path: the batch goes into a *typed* staging table, so PostgreSQL's own input functions
(C code) parse the UUIDs, timestamps and addresses. If any value in the batch is malformed
that COPY fails, and the batch goes again into a table of text columns where every value is
checked in SQL, one by one, and bad rows are reported instead.
"""

import time

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction

# Checks written with translate()/substr(), not regular expressions: a regex costs ~9 µs a
# row in PostgreSQL, a third of the whole budget per click.
VALID_ID_SQL = """(length(c.id) = 36
    AND translate(lower(c.id), '0123456789abcdef', '') = '----'
    AND substr(c.id, 9, 1) || substr(c.id, 14, 1) || substr(c.id, 19, 1)
        || substr(c.id, 24, 1) = '----')"""

SETUP_SQL = """
DROP TABLE IF EXISTS import_clicks, import_clicks_typed, import_link_map;
CREATE TEMPORARY TABLE import_link_map (source_id text PRIMARY KEY, target_id uuid NOT NULL);
CREATE TEMPORARY TABLE import_clicks (
    id text, link_id text, ts text, ip text, user_agent text, country text, city text,
    is_bot text, bot_reason text, bot_score text, bot_signals text, asn_number text,
    asn_org text
);
CREATE TEMPORARY TABLE import_clicks_typed (
    id uuid, link_id text, ts timestamp, ip inet, user_agent text, country text, city text,
    is_bot boolean, bot_reason text, bot_score text, bot_signals text, asn_number text,
    asn_org text
);
-- An address the old system stored as free text: NULL unless PostgreSQL takes it as one host.
-- (Only non-IPv4 values get here: the exception block costs a subtransaction per call.)
CREATE OR REPLACE FUNCTION pg_temp.import_inet(value text) RETURNS inet
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    result inet;
    host_bits integer;
BEGIN
    result := value::inet;
    host_bits := CASE family(result) WHEN 4 THEN 32 ELSE 128 END;
    IF masklen(result) <> host_bits THEN
        RETURN NULL;
    END IF;
    RETURN result;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
"""

# The common case, a dotted quad, is checked and cast inline; anything else (IPv6, junk) goes
# through import_inet().
IPV4_SQL = """(CASE WHEN length(c.ip) BETWEEN 7 AND 15
        AND translate(c.ip, '0123456789', '') = '...'
        AND position('..' IN c.ip) = 0 AND left(c.ip, 1) <> '.' AND right(c.ip, 1) <> '.'
    THEN greatest(split_part(c.ip, '.', 1)::int, split_part(c.ip, '.', 2)::int,
                  split_part(c.ip, '.', 3)::int, split_part(c.ip, '.', 4)::int) <= 255
    ELSE false END)"""
IP_SQL = f"""CASE WHEN c.ip IS NULL OR c.ip = '' THEN NULL
    WHEN {IPV4_SQL} THEN c.ip::inet ELSE pg_temp.import_inet(c.ip) END"""
# ANONYMIZE_IP: the same truncation as new clicks get (last IPv4 octet, last 80 IPv6 bits).
ANONYMIZED_IP_SQL = """set_masklen(network(set_masklen(ip,
    CASE family(ip) WHEN 4 THEN 24 ELSE 48 END))::inet, CASE family(ip) WHEN 4 THEN 32 ELSE 128 END)"""

COUNTRY_OK = """(length(c.country) = 2
    AND translate(upper(c.country), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = '')"""

# One statement per staging table: {table}, {id}, {ts}, {ip}, {is_bot}, {valid} differ.
INSERT_SQL = f"""
INSERT INTO clicks (id, link_id, "timestamp", ip_address, user_agent, country, city, is_bot,
                    bot_reason, bot_score, asn_number, asn_org)
SELECT {{id}}, m.target_id, {{ts}} AT TIME ZONE 'UTC', {{ip}}, c.user_agent,
       CASE WHEN {COUNTRY_OK} THEN upper(c.country) END,
       left(c.city, 200), {{is_bot}},
       left(coalesce(nullif(c.bot_reason, ''), nullif(c.bot_signals, '')), 200),
       CASE WHEN c.bot_score ~ '^[0-9]{{{{1,4}}}}(\\.[0-9]+)?$' AND c.bot_score::numeric <= 32767
            THEN round(c.bot_score::numeric)::smallint END,
       CASE WHEN c.asn_number ~ '^[0-9]{{{{1,10}}}}$' AND c.asn_number::bigint <= 2147483647
            THEN c.asn_number::integer END,
       left(c.asn_org, 255)
FROM {{table}} c JOIN import_link_map m ON m.source_id = c.link_id
WHERE {{valid}} {{skip_existing}}
{{on_conflict}}
"""

REJECTS_SQL = """
SELECT c.id, CASE WHEN NOT {valid} THEN 'id is not a UUID'
                  ELSE 'orphan: link ' || c.link_id || ' not imported' END
FROM {table} c LEFT JOIN import_link_map m ON m.source_id = c.link_id
WHERE NOT {valid} OR m.source_id IS NULL
ORDER BY c.id
"""

# One scan for the batch's bookkeeping; the rejected rows are listed only when there are any.
CHECKS_SQL = f"""
SELECT count(*) FILTER (WHERE NOT {{valid}} OR m.source_id IS NULL),
       count(*) FILTER (WHERE {{bad_ip}}),
       count(*) FILTER (WHERE c.country <> '' AND NOT {COUNTRY_OK})
FROM {{table}} c LEFT JOIN import_link_map m ON m.source_id = c.link_id
"""

# A typed inet may still be a network ("10.0.0.0/8"): only single hosts are addresses.
TYPED_IP_SQL = (
    "CASE WHEN masklen(c.ip) = CASE family(c.ip) WHEN 4 THEN 32 ELSE 128 END THEN c.ip END"
)
STAGES = {
    "typed": {
        "table": "import_clicks_typed",
        "id": "c.id",
        "ts": "c.ts",
        "ip": TYPED_IP_SQL,
        "is_bot": "c.is_bot",
        "valid": "true",
        "bad_ip": f"c.ip IS NOT NULL AND ({TYPED_IP_SQL}) IS NULL",
    },
    "text": {
        "table": "import_clicks",
        "id": "c.id::uuid",
        "ts": "c.ts::timestamp",
        "ip": IP_SQL,
        "is_bot": "c.is_bot::boolean",
        "valid": VALID_ID_SQL,
        "bad_ip": f"c.ip <> '' AND NOT {IPV4_SQL} AND pg_temp.import_inet(c.ip) IS NULL",
    },
}


def _source_select(columns):
    def optional(ours, array_ok=False):
        if ours not in columns:
            return "NULL"
        name, data_type = columns[ours]
        if array_ok and data_type == "ARRAY":
            return f"array_to_string(\"{name}\", ',')"
        return f'"{name}"::text'

    # One sequential scan, no ORDER BY: ids are random UUIDs, so reading in id order would
    # visit the table's pages at random.
    return (
        'COPY (SELECT "id", "linkId", "timestamp", "ipAddress", "userAgent", "country", '
        f'"city", "isBot", "botReason", {optional("bot_score")}, '
        f"{optional('bot_signals', array_ok=True)}, {optional('asn_number')}, "
        f'{optional("asn_org")} FROM "clicks") TO STDOUT'
    )


def _statements(stage):
    parts = dict(STAGES[stage])
    if settings.ANONYMIZE_IP:
        parts["ip"] = ANONYMIZED_IP_SQL.replace("ip", f"({parts['ip']})")
    # New rows go in by a plain INSERT after an anti-join skips those already there:
    # ON CONFLICT's speculative insertion costs ~60% more per new row. Only this import
    # writes these ids, one import at a time (MacondoImporter.run holds a lock), so nothing
    # slips in between; should a batch still hit a duplicate (two spellings of one UUID), it
    # is redone with ON CONFLICT DO NOTHING.
    skip = f"AND NOT EXISTS (SELECT 1 FROM clicks k WHERE k.id = {parts['id']})"
    return {
        "table": parts["table"],
        "insert_fast": INSERT_SQL.format(**parts, skip_existing=skip, on_conflict=""),
        "insert": INSERT_SQL.format(
            **parts, skip_existing="", on_conflict="ON CONFLICT (id) DO NOTHING"
        ),
        "checks": CHECKS_SQL.format(**parts),
        "rejects": REJECTS_SQL.format(**parts),
    }


def copy_clicks(importer):
    counts = importer.counts["clicks"]
    statements = {stage: _statements(stage) for stage in STAGES}

    with connection.cursor() as cursor:
        # A crash can lose only the last committed batches, which the next (idempotent) run
        # copies again: no reason to wait for each batch's WAL flush.
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(SETUP_SQL)
        with cursor.cursor.copy("COPY import_link_map FROM STDIN") as copy:
            for source_id, target_id in importer.maps["links"].items():
                copy.write_row((source_id, target_id))
        cursor.execute("ANALYZE import_link_map")

    started = time.monotonic()
    for lines, rows in _source_batches(importer, _source_select(importer.columns)):
        data = b"".join(lines)
        with transaction.atomic(), connection.cursor() as cursor:
            sql = _stage(cursor, data, statements)
            counts.read += rows
            try:
                with transaction.atomic():
                    cursor.execute(sql["insert_fast"])
            except IntegrityError:
                cursor.execute(sql["insert"])
            inserted = cursor.rowcount
            counts.inserted += inserted
            cursor.execute(sql["checks"])
            rejected, bad_ip, bad_country = cursor.fetchone()
            if rejected:
                cursor.execute(sql["rejects"])
                for click_id, reason in cursor.fetchall():
                    importer.reject("clicks", click_id, reason)
            counts.present += rows - inserted - rejected
            if bad_ip:
                importer.note("clicks", None, "IP address not an address: left empty", bad_ip)
            if bad_country:
                importer.note(
                    "clicks", None, "country not a 2-letter code: left empty", bad_country
                )
        elapsed = time.monotonic() - started
        importer.write(
            f"clicks: {counts.read:,} read, {counts.inserted:,} new "
            f"({elapsed:.1f} s, {counts.read / elapsed:,.0f}/s)"
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_clicks, import_clicks_typed, import_link_map")
        cursor.execute("RESET synchronous_commit")


def _stage(cursor, data, statements):
    """COPY the batch into the typed table, or into the text one when a value is malformed."""
    for stage in ("typed", "text"):
        sql = statements[stage]
        try:
            with transaction.atomic():
                cursor.execute(f"TRUNCATE {sql['table']}")
                with cursor.cursor.copy(f"COPY {sql['table']} FROM STDIN") as copy:
                    copy.write(data)
            return sql
        except psycopg.errors.DataError:
            if stage == "text":
                raise
    raise AssertionError("unreachable")


def _source_batches(importer, source_sql):
    """Yield (chunks of COPY text, row count) of at most batch_size rows, cut at line ends."""
    lines, rows, pending = [], 0, b""
    with importer.source.cursor() as cursor, cursor.copy(source_sql) as copy:
        for block in copy:
            data = pending + bytes(block)
            cut = data.rfind(b"\n") + 1
            pending = data[cut:]
            if cut:
                lines.append(data[:cut])
                rows += data.count(b"\n", 0, cut)
            if rows >= importer.batch_size:
                yield lines, rows
                lines, rows = [], 0
    importer.source.rollback()
    if rows:
        yield lines, rows
