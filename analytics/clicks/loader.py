"""Spooled Visits -> rows of `clicks`: the one place a click is completed and stored.

`load(visits)` does, for a whole batch: GeoIP (country, city, network), browser / OS /
device type, the bot verdict with bursts (`analytics.verdicts.bots.judge_batch`, one call for the
batch), the cut of each value to what its column holds, and the INSERT: one COPY on
PostgreSQL, the ORM on the quick start's SQLite. The columns and their caps come from the
Click model, so they are written down once, there.

It runs in the loader (the spool's flusher thread or `drain_clicks`), not in the redirect:
measured with bench/click_cost, the redirect then costs what building a Visit and appending
one line cost, whatever user agent the visitor has (docs/redirect.md, "How clicks are recorded").
"""

import logging
import uuid

from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction

from analytics.clicks import geo
from analytics.clicks.devices import describe_user_agent
from analytics.clicks.visit import Visit, stored_text
from analytics.models import Click
from analytics.verdicts import bots

logger = logging.getLogger(__name__)

FIELDS = tuple(Click._meta.concrete_fields)
COLUMNS = tuple(field.column for field in FIELDS)
_COLUMN_LIST = ", ".join(f'"{column}"' for column in COLUMNS)
# Column names come from the model, never from input.
_INSERT_NEW_SQL = (
    f"INSERT INTO clicks ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM clicks_spool_batch b "  # noqa: S608
    "WHERE EXISTS (SELECT 1 FROM links l WHERE l.id = b.link_id) "
    "ON CONFLICT (id) DO NOTHING"
)


def _max_length(name):
    return Click._meta.get_field(name).max_length


_CAPS = {name: _max_length(name) for name in ("city", "browser", "os", "device_type", "asn_org")}


def _cut(value, name):
    return value[: _CAPS[name]] or None if value else None


def _device(user_agent):
    try:
        return describe_user_agent(user_agent)
    except Exception:
        logger.exception("user agent not parsed: %r", user_agent[:200])
        return None, None, None


def _verdicts(visits, locations):
    try:
        return bots.judge_batch(visits, locations)
    except Exception:
        logger.exception("burst verdicts skipped for a batch of %d clicks", len(visits))
    verdicts = []
    for visit, location in zip(visits, locations, strict=True):
        try:
            verdicts.append(bots.judge(visit, location))
        except Exception:
            # No verdict is better than no click; `reclassify_clicks` can judge it later.
            logger.exception("bot verdict failed for %r", visit.user_agent[:200])
            verdicts.append(None)
    return verdicts


def rows(visits: list[Visit]):
    """The `clicks` rows of a batch of visits: tuples in COLUMNS order."""
    locations = [geo.locate(visit.ip) for visit in visits]
    verdicts = _verdicts(visits, locations)
    ua_cap, referrer_cap = settings.CLICK_USER_AGENT_MAX_CHARS, settings.CLICK_REFERRER_MAX_CHARS
    result = []
    for visit, location, verdict in zip(visits, locations, verdicts, strict=True):
        user_agent = stored_text(visit.user_agent, ua_cap)
        browser, os_family, device = _device(user_agent)
        values = {
            "id": visit.id,
            "link_id": visit.link_id,
            "timestamp": visit.timestamp,
            "ip_address": visit.ip,
            "user_agent": user_agent,
            "referrer": stored_text(visit.referrer, referrer_cap) or None,
            "country": location.country,
            "city": _cut(location.city, "city"),
            "asn_number": location.asn_number,
            "asn_org": _cut(location.asn_org, "asn_org"),
            "browser": _cut(browser, "browser"),
            "os": _cut(os_family, "os"),
            "device_type": _cut(device, "device_type"),
            "is_bot": verdict.is_bot if verdict else False,
            "bot_reason": verdict.bot_reason if verdict else None,
            "bot_score": verdict.score if verdict else None,
            "is_qr": visit.scanned,
        }
        # A KeyError here: the model gained a column this function does not fill yet.
        result.append(tuple(values[field.attname] for field in FIELDS))
    return result


def load(visits):
    """Store a batch of visits; (inserted, refused visits). Visits already stored (a file
    loaded again) or of links deleted meanwhile are skipped. Raises DatabaseError other than
    bad data: the caller keeps the batch and tries again later."""
    batch = rows(visits)
    if connection.vendor != "postgresql":
        with transaction.atomic():
            return _insert_with_the_orm(batch), []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # The usual case: all new, all links there. One COPY straight into the table;
            # foreign keys checked now (Django makes them deferred), not at COMMIT.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            _copy(cursor, "clicks", batch)
        return len(batch), []
    except IntegrityError:
        pass  # a replayed file or a deleted link: the careful path below
    except DataError:
        return _insert_one_by_one(visits, batch)
    try:
        with transaction.atomic():
            return _insert_skipping_known(batch), []
    except (DataError, IntegrityError):
        return _insert_one_by_one(visits, batch)


def _copy(cursor, table, batch):
    # cursor.copy is psycopg's own: wrap its errors into Django's like execute() does.
    statement = f"COPY {table} ({_COLUMN_LIST}) FROM STDIN"
    with connection.wrap_database_errors, cursor.copy(statement) as copy:
        for row in batch:
            copy.write_row(row)


def _insert_skipping_known(batch):
    """COPY into a scratch table, then keep only new ids of links that still exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS clicks_spool_batch (LIKE clicks) ON COMMIT DELETE ROWS"
        )
        cursor.execute("DELETE FROM clicks_spool_batch")
        _copy(cursor, "clicks_spool_batch", batch)
        cursor.execute(_INSERT_NEW_SQL)
        inserted = cursor.rowcount
        cursor.execute("DELETE FROM clicks_spool_batch")
    return inserted


def _insert_one_by_one(visits, batch):
    inserted, refused = 0, []
    for visit, row in zip(visits, batch, strict=True):
        try:
            with transaction.atomic():
                inserted += _insert_skipping_known([row])
        except (DataError, IntegrityError) as error:
            logger.error("click refused by PostgreSQL (%s): %s", error, visit.encode().decode())
            refused.append(visit)
    return inserted, refused


def _insert_with_the_orm(batch):
    """The quick start's SQLite has no COPY: the same rule (skip ids already stored and
    links deleted meanwhile) with the ORM, in chunks below SQLite's variable limit."""
    from links.models import Link

    id_at, link_at = COLUMNS.index("id"), COLUMNS.index("link_id")
    inserted = 0
    for start in range(0, len(batch), 500):
        chunk = batch[start : start + 500]
        # UUIDs compared as values: SQLite's raw rows spell them without dashes.
        link_ids = {uuid.UUID(row[link_at]) for row in chunk}
        links = set(Link.objects.filter(pk__in=link_ids).values_list("pk", flat=True))
        stored = set(
            Click.objects.filter(pk__in=[uuid.UUID(row[id_at]) for row in chunk]).values_list(
                "pk", flat=True
            )
        )
        new = [
            row
            for row in chunk
            if uuid.UUID(row[link_at]) in links and uuid.UUID(row[id_at]) not in stored
        ]
        Click.objects.bulk_create(
            [
                Click(**{field.attname: value for field, value in zip(FIELDS, row, strict=True)})
                for row in new
            ]
        )
        inserted += len(new)
    return inserted
