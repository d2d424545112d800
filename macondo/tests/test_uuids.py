"""Reading UUIDs from outside (macondo/uuids.py): the canonical form or nothing."""

import uuid

import pytest

from macondo.uuids import parse_uuid

ID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")


@pytest.mark.parametrize("value", [ID, str(ID), str(ID).upper()])
def test_a_uuid_or_its_canonical_text_is_read(value):
    assert parse_uuid(value) == ID


@pytest.mark.parametrize(
    "value",
    [None, "", "not-a-uuid", "user-7", ID.hex, f"{{{ID}}}", f"urn:uuid:{ID}", f"{ID}\n", 42],
)
def test_anything_else_is_none(value):
    assert parse_uuid(value) is None
