"""The verification code in docs/webhooks.md, run as a receiver would run it, against the
signatures a delivery really carries."""

import re
import time
from pathlib import Path

import pytest

from webhooks import signing

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_verifier():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    snippet = next(block for block in blocks if "def verify_macondo_signature" in block)
    namespace = {}
    exec(compile(snippet, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_macondo_signature"]


verify = documented_verifier()
SECRET = "whsec_test-secret"
BODY = '{"id":"e1","type":"link.created","data":{"name":"Café"}}'.encode()


def test_a_signature_made_now_verifies_with_the_documented_snippet():
    header = signing.signature_header(SECRET, time.time(), BODY)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert verify(SECRET, header, BODY)


@pytest.mark.parametrize(
    "secret, body, age",
    [
        ("whsec_another-secret", BODY, 0),
        (SECRET, BODY.replace(b"Caf", b"Kaf"), 0),
        (SECRET, BODY + b" ", 0),
        (SECRET, BODY, 301),
        (SECRET, BODY, -301),
    ],
    ids=["wrong secret", "changed body", "one more byte", "too old", "from the future"],
)
def test_the_documented_snippet_refuses(secret, body, age):
    now = time.time()
    header = signing.signature_header(SECRET, now - age, BODY)
    assert not verify(secret, header, body, now=now)


@pytest.mark.parametrize(
    "header", ["", "v1=abc", "t=,v1=abc", "t=12,t=13,v1=abc", "garbage", "t=1;v1=2"]
)
def test_the_documented_snippet_refuses_a_malformed_header(header):
    assert not verify(SECRET, header, BODY)


def test_the_timestamp_is_part_of_what_is_signed():
    now = int(time.time())
    header = signing.signature_header(SECRET, now, BODY)
    replayed = header.replace(f"t={now}", f"t={now + 60}")
    assert not verify(SECRET, replayed, BODY, now=now + 60)
