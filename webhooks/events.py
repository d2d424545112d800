"""Recording webhook events: what the link services and the click loader call.

`link_created`, `link_updated` and `link_deleted` are called by links.services inside the
transaction that writes the link: the event and its deliveries (the outbox) commit or roll
back with the change, and a hook after COMMIT wakes the delivery worker. `clicks_recorded`
is called by the click loader after a batch is committed. An event nobody subscribed to is
not recorded at all.
"""

import json
import logging
import math
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .models import (
    CLICKS_RECORDED,
    LINK_CREATED,
    LINK_DELETED,
    LINK_UPDATED,
    Delivery,
    Event,
    Subscription,
)

logger = logging.getLogger(__name__)

# PostgreSQL NOTIFY channel the worker listens on.
WAKE_CHANNEL = "macondo_webhooks"


def iso(moment):
    """ISO 8601 in UTC with its offset, as every time in a payload is written."""
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def link_data(link):
    """The link's public fields, as events carry them."""
    campaign = link.campaign
    return {
        "id": str(link.pk),
        "short_code": link.short_code,
        "short_url": link.short_url,
        "original_url": link.original_url,
        "name": link.name,
        "client": {"id": str(link.client_id), "name": link.client.name},
        "campaign": {"id": str(campaign.pk), "name": campaign.name} if campaign else None,
        "tags": sorted(link.tags.values_list("name", flat=True), key=str.lower),
        "is_active": link.is_active,
        "expires_at": iso(link.expires_at),
        "forward_query": link.forward_query,
        "created_at": iso(link.created_at),
        "updated_at": iso(link.updated_at),
    }


def _record(event_type, data, subscriptions):
    """One Event and a Delivery per subscription, in the caller's transaction."""
    now = timezone.now()
    event_id = uuid.uuid4()
    body = {"id": str(event_id), "type": event_type, "occurred_at": iso(now), "data": data}
    event = Event.objects.create(
        id=event_id,
        type=event_type,
        occurred_at=now,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
    )
    Delivery.objects.bulk_create(
        [Delivery(event=event, subscription=s, next_attempt_at=now) for s in subscriptions]
    )
    # Once per transaction: an import of 1,000 links needs one wake-up, not 1,000.
    if not any(func is wake for _savepoints, func, _robust in connection.run_on_commit):
        transaction.on_commit(wake)
    return event


def wake():
    """Tell listening workers (PostgreSQL) that deliveries are due; they poll anyway."""
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [WAKE_CHANNEL])
    except DatabaseError as error:
        logger.info("webhook worker not woken (it will poll): %s", error)


def _link_event(event_type, link):
    subscriptions = Subscription.objects.receiving(event_type)
    if subscriptions:
        return _record(event_type, {"link": link_data(link)}, subscriptions)
    return None


def link_created(link):
    return _link_event(LINK_CREATED, link)


def links_created(links):
    """link.created for each of many links made at once (the API's bulk create): the
    subscriptions are read once, so without any it costs one query for the whole batch."""
    subscriptions = list(Subscription.objects.receiving(LINK_CREATED))
    if not subscriptions:
        return []
    return [_record(LINK_CREATED, {"link": link_data(link)}, subscriptions) for link in links]


def link_updated(link):
    return _link_event(LINK_UPDATED, link)


def link_deleted(link):
    """Call before deleting: the payload is the link as it was."""
    return _link_event(LINK_DELETED, link)


# --- clicks.recorded ------------------------------------------------------------------------

# (monotonic time of the check, whether any subscription wants clicks.recorded)
_clicks_wanted = (0.0, None)


def forget_subscriptions():
    global _clicks_wanted
    _clicks_wanted = (0.0, None)


def _remember(wanted):
    global _clicks_wanted
    _clicks_wanted = (time.monotonic(), wanted)


def clicks_wanted():
    """Whether anyone subscribed to clicks.recorded; asked of the database at most once
    per WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS per process (a change in this process is
    seen at once)."""
    checked_at, wanted = _clicks_wanted
    if (
        wanted is None
        or time.monotonic() - checked_at > settings.WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS
    ):
        wanted = bool(Subscription.objects.receiving(CLICKS_RECORDED))
        _remember(wanted)
    return wanted


def subscription_changed(**kwargs):
    """post_save and post_delete of a Subscription (connected in WebhooksConfig.ready)."""
    forget_subscriptions()
    # Again once committed: another thread may have cached the old answer meanwhile.
    transaction.on_commit(forget_subscriptions)


def clicks_recorded(rows_or_ids):
    """Announce clicks the loader has just committed: spool rows (dicts with an "id") or
    click ids. One clicks.recorded event per batch and subscription, split into events of
    at most WEBHOOKS_CLICKS_PER_EVENT clicks. Only clicks found in the database are
    announced (a refused row or a deleted link's click is not). Returns the number of
    events recorded.

    Without subscriptions it costs one cached check and no query. A database error is
    raised (the loader keeps its file and loads it again, which announces the batch
    again); any other error is logged, never passed to the loader.
    """
    if not clicks_wanted():
        return 0
    try:
        return _record_clicks(rows_or_ids)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("clicks.recorded not announced for a batch")
        return 0


def _in_chunks(values):
    """`values` in chunks a query can bind: SQLite takes at most 999 parameters."""
    values = list(values)
    size = connection.features.max_query_params or len(values) or 1
    return [values[start : start + size] for start in range(0, len(values), size)]


def _existing(model, ids, field=None):
    """{id as text: `field`} of the rows of `model` among `ids` (texts). The ids stay
    text: parsing thousands of UUIDs per batch cost more than the query itself."""
    if connection.vendor != "postgresql":
        found = {}
        for chunk in _in_chunks(ids):
            rows = model.objects.filter(pk__in=chunk).order_by().values_list("pk", field or "pk")
            found.update((str(pk), value) for pk, value in rows)
        return found
    column = model._meta.get_field(field).column if field else "NULL"
    with connection.cursor() as cursor:
        # One array parameter: binding thousands of IN (%s, …) costs more than the query.
        cursor.execute(
            f"SELECT id::text, {column} FROM {model._meta.db_table} WHERE id = ANY(%s::uuid[])",  # noqa: S608 - names from the model
            [ids],
        )
        return dict(cursor.fetchall())


def _stored_clicks(rows_or_ids):
    """(id, link id, short code, is_bot, timestamp) of the given clicks that are in the
    database, oldest first. Spool rows carry everything but the short code, so only their
    ids are looked up; bare ids are read whole."""
    from analytics.models import Click
    from links.models import Link

    items = list(rows_or_ids)
    if items and all(isinstance(item, dict) for item in items):
        stored_ids = _existing(Click, [str(row["id"]) for row in items])
        # Distinct link ids in one spelling (on SQLite the redirect's rows carry them as
        # 32 hex digits).
        link_ids = {raw: str(uuid.UUID(raw)) for raw in {str(row["link_id"]) for row in items}}
        codes = _existing(Link, list(set(link_ids.values())), "short_code")
        stored = [
            (
                str(row["id"]),
                link_ids[str(row["link_id"])],
                codes[link_ids[str(row["link_id"])]],
                bool(row.get("is_bot")),
                datetime.fromisoformat(str(row["timestamp"])),
            )
            for row in items
            if str(row["id"]) in stored_ids and link_ids[str(row["link_id"])] in codes
        ]
    else:
        stored = []
        for chunk in _in_chunks(str(item) for item in items):
            stored.extend(
                (str(pk), str(link_id), code, is_bot, when)
                for pk, link_id, code, is_bot, when in Click.objects.filter(pk__in=chunk)
                .order_by()
                .values_list("pk", "link_id", "link__short_code", "is_bot", "timestamp")
            )
    stored.sort(key=lambda click: (click[4], click[0]))
    return stored


def _record_clicks(rows_or_ids):
    with transaction.atomic():
        subscriptions = Subscription.objects.receiving(CLICKS_RECORDED)
        _remember(bool(subscriptions))
        if not subscriptions:
            return 0
        stored = _stored_clicks(rows_or_ids)
        size = max(1, settings.WEBHOOKS_CLICKS_PER_EVENT)
        parts = math.ceil(len(stored) / size)
        batch = str(uuid.uuid4())
        for part in range(parts):
            chunk = stored[part * size : (part + 1) * size]
            data = _clicks_data(chunk, {"id": batch, "part": part + 1, "parts": parts})
            _record(CLICKS_RECORDED, data, subscriptions)
        return parts


def _clicks_data(clicks, batch):
    per_link, codes = Counter(), {}
    bots = Counter()
    for _pk, link_id, code, is_bot, _when in clicks:
        per_link[link_id] += 1
        bots[link_id] += bool(is_bot)
        codes[link_id] = code
    total_bots = sum(bots.values())
    return {
        "batch": batch,
        "clicks": len(clicks),
        "human_clicks": len(clicks) - total_bots,
        "bot_clicks": total_bots,
        "first_click_at": iso(clicks[0][4]),
        "last_click_at": iso(clicks[-1][4]),
        "links": [
            {
                "id": link_id,
                "short_code": codes[link_id],
                "clicks": count,
                "human_clicks": count - bots[link_id],
                "bot_clicks": bots[link_id],
            }
            for link_id, count in per_link.most_common()
        ],
        "click_ids": [click[0] for click in clicks],
    }
