"""Cursor pagination: a stable order, and an opaque cursor naming the last row sent.

The next page is "the rows after this one in the order" (a keyset condition on indexed
columns), never an OFFSET: a page costs the same at row 100 as at row 100,000, and rows
created or deleted meanwhile neither repeat nor skip rows of later pages.
"""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from .problems import invalid

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _datetime(text):
    value = parse_datetime(text)
    if value is None or value.tzinfo is None:
        raise ValueError(text)
    return value


@dataclass(frozen=True)
class Key:
    """One column of an order: its lookup, direction, and how a cursor's text is read."""

    field: str
    descending: bool = False
    parse: object = str

    @property
    def ordering(self):
        return f"-{self.field}" if self.descending else self.field


def ascending_time(field):
    return Key(field, False, _datetime)


def descending_time(field):
    return Key(field, True, _datetime)


BY_ID = Key("pk", False, uuid.UUID)


def encode(values):
    text = json.dumps([str(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor, keys):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        texts = json.loads(raw)
        if not isinstance(texts, list) or len(texts) != len(keys):
            raise ValueError(cursor)
        return [key.parse(text) for key, text in zip(keys, texts, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise invalid(
            [
                {
                    "field": "cursor",
                    "code": "invalid_cursor",
                    "message": "This cursor is not one this list gave out; start again without it.",
                }
            ]
        ) from None


def _after(keys, values):
    """Rows after `values` in the order of `keys`."""
    terms = []
    for index, key in enumerate(keys):
        equal = {k.field: v for k, v in zip(keys[:index], values[:index], strict=True)}
        beyond = f"{key.field}__{'lt' if key.descending else 'gt'}"
        terms.append(Q(**equal, **{beyond: values[index]}))
    return reduce(or_, terms)


def page(queryset, keys, cursor, limit):
    """(rows, next cursor or None) of one page of `queryset` in the order of `keys` (the
    last key unique)."""
    queryset = queryset.order_by(*(key.ordering for key in keys))
    if cursor:
        queryset = queryset.filter(_after(keys, decode(cursor, keys)))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode(getattr(last, key.field) for key in keys)
