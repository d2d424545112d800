"""Reading a UUID that someone else wrote (a query string, a form value, an old database's
id): the canonical 8-4-4-4-12 hexadecimal form, in either case, or nothing.

`uuid.UUID` alone would also take braces, a `urn:uuid:` prefix or no hyphens, and raise on
anything else; input from outside is either a UUID as the product writes it, or not one.
"""

import re
import uuid

_CANONICAL = re.compile(
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def parse_uuid(value):
    """The UUID that `value` (a UUID or its canonical text) stands for, else None."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and _CANONICAL.fullmatch(value):
        return uuid.UUID(value)
    return None
