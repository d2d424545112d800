"""A user agent split into product tokens, comments and bracket sections, once.

RFC 9110 (§10.1.5) describes a user agent as product tokens (`Name/version`) and comments
(`(...)`); real ones also carry `[...]` sections (Facebook's `[FBAN/...;FBCR/carrier]`) and
bare words (`Mobile`, `Instagram 406.0.0.58.159 Android`). `split(user_agent)` returns the
parts in order; `analytics.verdicts.ua_identity` decides from them which text crawler patterns
may read.
"""

import re
from typing import NamedTuple

_PIECES = re.compile(r"[()\[\]]|[^()\[\]]+")
_CLOSERS = {"(": ")", "[": "]"}
_FIELD_SPLIT = re.compile(r"\s*[;,]\s*")
# Product words: separated by spaces, or by commas ("SogouMSE,SogouMobileBrowser/5.36.4").
_WORDS = re.compile(r"[^\s,]+")


class Part(NamedTuple):  # a tuple: built ~10 times per never-seen agent
    kind: str  # "product" (one whitespace-separated word), "comment" or "bracket"
    text: str  # a comment's or bracket's inner text, without the outer brackets

    @property
    def name(self):
        """A product's name in lower case: the text before its first "/"."""
        return self.text.split("/", 1)[0].lower()

    @property
    def fields(self):
        """A comment's or bracket's fields, split at ";" and ","."""
        return [field for field in _FIELD_SPLIT.split(self.text) if field]


# Most agents nest no brackets: one pass reads them (comments, brackets, product words).
_FLAT = re.compile(r"\(([^()\[\]]*)\)|\[([^()\[\]]*)\]|([^\s,()\[\]]+)")
_KINDS = (None, "comment", "bracket", "product")


def split(user_agent):
    """The parts of a user agent, in order. Unbalanced brackets close at the end."""
    if " " not in user_agent and "+" in user_agent:
        # "Mozilla/5.0+(compatible;+UptimeRobot/2.0;+http://...)": spaces sent URL-encoded.
        user_agent = user_agent.replace("+", " ")
    parts = [
        Part(_KINDS[found.lastindex], found[found.lastindex].strip())
        for found in _FLAT.finditer(user_agent)
    ]
    # Flat when every bracket character was read as one end of a comment or a bracket.
    enclosed = sum(part.kind != "product" for part in parts)
    opened = user_agent.count("(") + user_agent.count("[")
    if opened == enclosed == user_agent.count(")") + user_agent.count("]"):
        return parts
    return _split_nested(user_agent)


def _split_nested(user_agent):
    parts = []
    stack = []  # open brackets of the comment being read
    inner = []
    for piece in _PIECES.findall(user_agent):
        if piece in _CLOSERS:
            if stack:
                inner.append(piece)
            stack.append(piece)
        elif stack and piece == _CLOSERS[stack[-1]]:
            stack.pop()
            if stack:
                inner.append(piece)
            else:
                kind = "comment" if piece == ")" else "bracket"
                parts.append(Part(kind, "".join(inner).strip()))
                inner.clear()
        elif stack:
            inner.append(piece)
        else:
            parts.extend(Part("product", word) for word in _WORDS.findall(piece))
    if stack:
        kind = "comment" if stack[0] == "(" else "bracket"
        parts.append(Part(kind, "".join(inner).strip()))
    return parts
