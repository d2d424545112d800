"""The rule for client and campaign names, in one place.

A name is stored normalised (`normalize_name`: Unicode NFC, surrounding whitespace removed),
and two names are the same when the database's `lower()` of them is equal: the unique
indexes are on `lower(name)` (clients) and (`client_id`, `lower(name)`) (campaigns), and
every lookup compares with the database's `lower()` too, never Python's, so a lookup and the
index always agree. PostgreSQL's `lower()` folds every letter under a UTF-8 locale ("CAFÉ
AROMA" is "café aroma"); SQLite's folds only A–Z, so on the quick start's file "CAFÉ" and
"café" are two names, for the index and the lookup alike.

No model imports here: the migration that introduced the rule uses these functions too.
"""

import unicodedata

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Value
from django.db.models.functions import Lower

# The names of the unique indexes that carry the rule (see links/models.py).
NAME_CONSTRAINTS = ("clients_name_lower_key", "campaigns_client_name_lower_key")
_KEYS_PER_QUERY = 500  # well under SQLite's limit of bound parameters


def normalize_name(value):
    """A name as it is stored: NFC (an accent typed as a combining mark is one letter),
    without surrounding whitespace."""
    return unicodedata.normalize("NFC", str(value or "")).strip()


def name_key(name):
    """The expression the unique indexes compare, for a name given in Python."""
    return Lower(Value(normalize_name(name)))


def name_keys(names, using=DEFAULT_DB_ALIAS):
    """{name: key} for many names at once, each key computed by the database's lower() of
    the normalised name: what the unique indexes would compare."""
    names = list(names)
    wanted = list(dict.fromkeys(normalize_name(name) for name in names))
    keys = {}
    with connections[using].cursor() as cursor:
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            chunk = wanted[start : start + _KEYS_PER_QUERY]
            rows = ", ".join(["(%s)"] * len(chunk))
            # Only placeholders are formatted in; the names go as parameters.
            cursor.execute(
                f"SELECT column1, LOWER(column1) FROM (VALUES {rows}) AS names",  # noqa: S608
                chunk,
            )
            keys.update(cursor.fetchall())
    return {name: keys[normalize_name(name)] for name in names}


def is_name_clash(error):
    """Whether an IntegrityError comes from one of the name indexes (a lost race)."""
    cause = error.__cause__
    constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
    if constraint is not None:
        return constraint in NAME_CONSTRAINTS
    # SQLite names the index in its message: "UNIQUE constraint failed: index '…'".
    return any(name in str(error) for name in NAME_CONSTRAINTS)
