"""Private APIs of Python's `re` and of google-re2 the verdict's pattern sets rely on: each
test fails on an upgrade that changes one (docs/upgrading.md lists them all)."""

from re._constants import AT, AT_BEGINNING, LITERAL

import pytest

from analytics.verdicts import patterns


def test_re_parser_still_reads_a_patterns_first_node():
    """`re._parser.parse` (patterns._first_node) sorts the `re` patterns by first character;
    a changed tree would silently put every pattern in the slow remainder."""
    assert patterns._first_node("^abc") == (AT, AT_BEGINNING)
    kind, value = patterns._first_node("abc")
    assert (kind, chr(value)) == (LITERAL, "a")
    assert patterns._first_node("(unclosed") is None


@pytest.mark.skipif(patterns.re2 is None, reason="google-re2 not installed")
def test_re2_is_asked_directly_on_ascii_text():
    """`re2._Anchor` and the compiled object's `_regexp.Match`: without them the wrapper's
    slower `search` is used, with the same answers, so only this test notices."""
    assert patterns._match is not None
    expression = patterns.re2.compile("b+")
    assert patterns._match(expression, b"abbc") == (1, 3)
