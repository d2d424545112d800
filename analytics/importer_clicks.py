"""The clicks part of `import_macondo`: COPY from the source, checks and INSERT in SQL.

Per batch: `COPY (SELECT … WHERE id > last ORDER BY id LIMIT n) TO STDOUT` on the source is
streamed block by block into `COPY import_clicks FROM STDIN` on the target (a temporary table
of text columns), then one INSERT … SELECT casts, checks and maps the rows, ON CONFLICT (id)
DO NOTHING. No click row becomes a Python object, which is what makes a million clicks a
matter of seconds; memory holds one COPY block at a time.
"""

from django.conf import settings
from django.db import connection, transaction

# Checks written with translate()/substr(), not regular expressions: a regex costs ~9 µs a
# row in PostgreSQL, a third of the whole budget per click.
VALID_ID_SQL = """(length(c.id) = 36
    AND translate(lower(c.id), '0123456789abcdef', '') = '----'
    AND substr(c.id, 9, 1) || substr(c.id, 14, 1) || substr(c.id, 19, 1)
        || substr(c.id, 24, 1) = '----')"""

SETUP_SQL = """
DROP TABLE IF EXISTS import_clicks, import_link_map;
CREATE TEMPORARY TABLE import_link_map (source_id text PRIMARY KEY, target_id uuid NOT NULL);
CREATE TEMPORARY TABLE import_clicks (
    id text, link_id text, ts text, ip text, user_agent text, country text, city text,
    is_bot text, bot_reason text, bot_score text, bot_signals text, asn_number text,
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

INSERT_SQL = """
INSERT INTO clicks (id, link_id, "timestamp", ip_address, user_agent, country, city, is_bot,
                    bot_reason, bot_score, asn_number, asn_org)
SELECT c.id::uuid, m.target_id, c.ts::timestamp AT TIME ZONE 'UTC', {ip}, c.user_agent,
       CASE WHEN c.country ~ '^[A-Za-z]{{2}}$' THEN upper(c.country) END,
       left(c.city, 200), c.is_bot::boolean,
       left(coalesce(nullif(c.bot_reason, ''), nullif(c.bot_signals, '')), 200),
       CASE WHEN c.bot_score ~ '^[0-9]{{1,4}}(\\.[0-9]+)?$' AND c.bot_score::numeric <= 32767
            THEN round(c.bot_score::numeric)::smallint END,
       CASE WHEN c.asn_number ~ '^[0-9]{{1,10}}$' AND c.asn_number::bigint <= 2147483647
            THEN c.asn_number::integer END,
       left(c.asn_org, 255)
FROM import_clicks c JOIN import_link_map m ON m.source_id = c.link_id
WHERE {valid_id}
ON CONFLICT (id) DO NOTHING
"""

REJECTS_SQL = f"""
SELECT c.id, CASE WHEN NOT {VALID_ID_SQL} THEN 'id is not a UUID'
                  ELSE 'orphan: link ' || c.link_id || ' not imported' END
FROM import_clicks c LEFT JOIN import_link_map m ON m.source_id = c.link_id
WHERE NOT {VALID_ID_SQL} OR m.source_id IS NULL
ORDER BY c.id
"""

# One scan for the batch's bookkeeping; the rejected rows are listed only when there are any.
CHECKS_SQL = f"""
SELECT count(*) FILTER (WHERE NOT {VALID_ID_SQL} OR m.source_id IS NULL),
       count(*) FILTER (WHERE c.ip <> '' AND NOT {IPV4_SQL}
                        AND pg_temp.import_inet(c.ip) IS NULL),
       count(*) FILTER (WHERE c.country <> '' AND c.country !~ '^[A-Za-z]{{2}}$')
FROM import_clicks c LEFT JOIN import_link_map m ON m.source_id = c.link_id
"""


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


def copy_clicks(importer):
    counts = importer.counts["clicks"]
    ip_sql = IP_SQL
    if settings.ANONYMIZE_IP:
        ip_sql = ANONYMIZED_IP_SQL.replace("ip", f"({IP_SQL})")
    insert_sql = INSERT_SQL.format(ip=ip_sql, valid_id=VALID_ID_SQL)

    with connection.cursor() as cursor:
        cursor.execute(SETUP_SQL)
        with cursor.cursor.copy("COPY import_link_map FROM STDIN") as copy:
            for source_id, target_id in importer.maps["links"].items():
                copy.write_row((source_id, target_id))
        cursor.execute("ANALYZE import_link_map")

    for lines, rows in _source_batches(importer, _source_select(importer.columns)):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE import_clicks")
            with cursor.cursor.copy("COPY import_clicks FROM STDIN") as copy:
                for chunk in lines:
                    copy.write(chunk)
            counts.read += rows
            cursor.execute(insert_sql)
            inserted = cursor.rowcount
            counts.inserted += inserted
            cursor.execute(CHECKS_SQL)
            rejected, bad_ip, bad_country = cursor.fetchone()
            if rejected:
                cursor.execute(REJECTS_SQL)
                for click_id, reason in cursor.fetchall():
                    importer.reject("clicks", click_id, reason)
            counts.present += rows - inserted - rejected
            if bad_ip:
                importer.note("clicks", None, "IP address not an address: left empty", bad_ip)
            if bad_country:
                importer.note(
                    "clicks", None, "country not a 2-letter code: left empty", bad_country
                )
        importer.write(f"clicks: {counts.read:,} read, {counts.inserted:,} new")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_clicks, import_link_map")


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
