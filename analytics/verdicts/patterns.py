"""Many crawler patterns compiled into a few fast regular expressions.

The maintained lists (crawlerdetect, crawler-user-agents) hold ~3,000 patterns. Joined into
one plain alternation, Python's `re` tries every branch at every position of the user agent
(1-4 ms per never-seen user agent). Grouping the branches by their first literal character
behind a one-character lookahead lets `re` skip whole groups at once (~10x faster); patterns
anchored with `^` go into a second expression tried only at the start.

A case-insensitive set lower-cases its patterns once (escapes such as `\\S` keep their case)
and expects lower-cased text, instead of using `re.IGNORECASE`, which is several times slower.

With google-re2 installed (it is pinned), every pattern RE2 can read goes into one RE2
alternation instead, matched in linear time: 11.8 + 6.0 µs against 64.1 + 95.4 µs for the
two lists on a never-seen user agent of the test corpora (docs/bot-verdicts.md). RE2 has no lookarounds or backreferences; the few patterns that use
them (one today: crawlerdetect's `yandex(?!search)`) stay in the `re` expressions above.
`analytics/tests/test_patterns.py` checks both engines give the same answers on the corpora.
"""

import re
import re._parser as sre_parse
from collections import defaultdict
from functools import lru_cache
from re._constants import AT, AT_BEGINNING, LITERAL

try:
    import re2
except ImportError:  # the `re` expressions alone: slower, same answers
    re2 = None


def lower_pattern(pattern):
    """Lower-case a pattern's literals, leaving every backslash escape as written."""
    out = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            out.append(char + next(chars, ""))
        else:
            out.append(char.lower())
    return "".join(out)


# A leading "[a-z0-9_]*" cannot change whether `search` finds a match, but makes it quadratic
# on a long run of such characters (crawlerdetect's generic "[a-z0-9\\-_]*(bot|crawl|...)"
# took 18 ms on a 1 KB user agent): drop it.
LEADING_STAR = re.compile(r"^(?:\[(?:\\.|[^\]\\])+\]|\\.|\.)\*\??(?=[^|*+?{)])")


def _first_node(pattern):
    try:
        tree = sre_parse.parse(pattern)
    except re.error:
        return None
    return tree[0] if len(tree) else None


class PatternSet:
    """`search(text)`: the first match of any pattern, or None.

    With `ignore_case`, `text` must be lower-cased by the caller (once for many sets).
    """

    def __init__(self, patterns, ignore_case=True, use_re2=True, at_word_start=False):
        fold = lower_pattern if ignore_case else str
        # RE2 gets the word-start patterns as one group behind one shared "no letter or
        # digit before": the same prefix on each of ~1,500 branches makes its automaton too
        # big for its memory budget, and it falls back to a slow search (10x).
        word_start = []
        if at_word_start and use_re2 and re2 is not None:
            before = "[^0-9a-z]" if ignore_case else "[^0-9A-Za-z]"
            folded = [fold(p) for p in patterns if p]
            word_start = [p for p in folded if _WORDLIKE_START.match(p) and _re2_reads(p)]
            patterns = [p for p in folded if p not in set(word_start)]
            fold = str
        if at_word_start:
            fold = _at_word_start(fold, ignore_case)
        anchored, floating = defaultdict(list), defaultdict(list)
        anchored_rest, floating_rest = [], []
        linear = []
        in_re = []  # the patterns left to `re`, as written
        for pattern in dict.fromkeys(fold(p) for p in patterns if p):
            try:
                re.compile(pattern)
            except re.error:
                continue  # a pattern our `re` cannot read is skipped, not fatal
            if use_re2 and re2 is not None and _re2_reads(pattern):
                linear.append(pattern)
                continue
            in_re.append(pattern)
            node = _first_node(pattern)
            if node == (AT, AT_BEGINNING) and pattern.startswith("^"):
                body = pattern[1:]
                first = _first_node(body)
                if first and first[0] is LITERAL:
                    anchored[chr(first[1])].append(body)
                else:
                    anchored_rest.append(body)
            elif node and node[0] is LITERAL:
                floating[chr(node[1])].append(pattern)
            elif LEADING_STAR.match(pattern):
                floating_rest.append(LEADING_STAR.sub("", pattern))
            else:
                floating_rest.append(pattern)
        self.size = sum(map(len, anchored.values())) + sum(map(len, floating.values()))
        self.size += len(anchored_rest) + len(floating_rest) + len(linear) + len(word_start)
        self.in_re2 = len(linear) + len(word_start)
        # One RE2 call per search: the word-start group and the other patterns side by side.
        branches = [f"(?:{p})" for p in linear]
        if word_start:
            branches.insert(0, f"(?:^|{before})(?:{'|'.join(f'(?:{p})' for p in word_start)})")
        self._linear = re2.compile("|".join(branches), _re2_options()) if branches else None
        self._anchored = _dispatch(anchored, anchored_rest)
        self._floating = _dispatch(floating, floating_rest)
        # The `re` expressions scan the whole text in Python (~3 µs for one pattern): RE2
        # first tells whether they can match at all, by the same patterns less their
        # lookarounds (which only narrow what a pattern matches).
        self._gate = _superset(in_re) if use_re2 and re2 is not None else None
        # Most text matches nothing: one RE2 call over both says so.
        self._either = None
        # RE2 source matching wherever a pattern of the set may match (None: not in RE2):
        # sets searched on the same text can share one screening call (`any_of`).
        self.superset = "|".join(branches) if branches and not in_re else None
        if self._gate is not None and self._linear is not None:
            both = [f"(?:{p})" for p in (*branches, *in_re)]
            self._either = _superset([_LOOKAROUND.sub("", p) for p in both])
            if self._either is not None:
                self.superset = "|".join(f"(?:{_LOOKAROUND.sub('', p)})" for p in both)

    def search(self, text, screened=False):
        """`screened`: the caller's own screen said a pattern here may match (`any_of`):
        the screen over both engines is skipped, one RE2 call fewer."""
        if not screened and self._either is not None and not _search(self._either, text):
            return None
        if self._linear and (found := _search(self._linear, text)):
            return found
        if self._gate is not None and not _search(self._gate, text):
            return None
        if self._anchored and (found := self._anchored.match(text)):
            return found
        return self._floating.search(text) if self._floating else None


_LOOKAROUND = re.compile(r"\(\?<?[=!](?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\)")


def _superset(patterns):
    """One RE2 expression matching wherever any of `patterns` does, or None."""
    if not patterns:
        return None
    stripped = "|".join(f"(?:{_LOOKAROUND.sub('', p)})" for p in patterns)
    try:
        return re2.compile(stripped, _re2_options())
    except re2.error:
        return None


def any_of(sets):
    """`screen(text)`: False when no set of `sets`, each given as (pattern set, reads lower
    case?), can match `text` (the sets that read lower case then read `text.lower()`), in one
    RE2 call; True when one may. None when RE2 cannot screen them all."""
    if re2 is None or _match is None or any(patterns.superset is None for patterns, _ in sets):
        return None
    branches = [
        f"(?i:{patterns.superset})" if lower else f"(?:{patterns.superset})"
        for patterns, lower in sets
    ]
    options = re2.Options()
    options.log_errors = False
    options.never_capture = True
    options.max_mem = 64 << 20  # both lists side by side
    try:
        expression = re2.compile("|".join(branches), options)
    except re2.error:
        return None

    def screen(text):
        # Case folding equals lower-casing first only in ASCII; other text is not screened.
        if not text.isascii():
            return True
        return _match(expression, text.encode("ascii"))[0] >= 0

    return screen


class _Found:
    """What `search` returns from RE2 on ASCII text: the matched text, as `group()`."""

    __slots__ = ("_text",)

    def __init__(self, text):
        self._text = text

    def group(self):
        return self._text


def _search(expression, text):
    # The wrapper's `search` converts offsets between UTF-8 and str in Python (a generator
    # and a Match object per call, ~3 µs): on ASCII text the byte offsets are the string's,
    # so the compiled RE2 object is asked directly. Any other text goes through the wrapper.
    if _match is not None and text.isascii():
        encoded = text.encode("ascii")
        start, end = _match(expression, encoded)
        return None if start < 0 else _Found(text[start:end])
    try:
        return expression.search(text)
    except UnicodeEncodeError:
        # RE2 reads UTF-8; lone surrogates (undecodable bytes kept as surrogate escapes)
        # have none. No pattern names one, so U+FFFD in their place changes no answer.
        return expression.search(without_surrogates(text))


def _direct_match():
    """RE2's own unanchored search on bytes, returning the whole match's span, or None when
    this version of the wrapper does not expose it (then the public `search` is used)."""
    try:
        anchor = re2._Anchor.UNANCHORED
        probe = re2.compile("b", _re2_options())
        if probe._regexp.Match(anchor, b"ab", 0, 2)[0] != (1, 2):
            return None
    except (AttributeError, TypeError):
        return None

    def match(expression, encoded):
        return expression._regexp.Match(anchor, encoded, 0, len(encoded))[0]

    return match


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text):
    """`text` with lone surrogates as U+FFFD: RE2 reads UTF-8, which has none."""
    return _SURROGATE.sub("\ufffd", text) if not text.isascii() else text


# A pattern that begins with a letter or digit, a group or a class of them.
_WORDLIKE_START = re.compile(r"[0-9A-Za-z]|[(\[][0-9A-Za-z]")


def _at_word_start(fold, ignore_case):
    """Folding that also makes a pattern match only where a word begins.

    The lists' patterns are substrings ("Word/" for Microsoft Word, "008/" for a crawler
    named 008): matched anywhere they fire inside "1Password/6.2.1" and "Opera
    Mini/4.4.39008/37". Requiring no letter or digit just before keeps every name that
    stands on its own ("MJ12bot/1.4", "+http://…") and drops those glued to another word.
    """
    before = "[^0-9a-z]" if ignore_case else "[^0-9A-Za-z]"

    def folded(pattern):
        pattern = fold(pattern)
        if _WORDLIKE_START.match(pattern):
            return f"(?:^|{before})(?:{pattern})"
        return pattern

    return folded


@lru_cache(maxsize=1)
def _re2_options():
    options = re2.Options()
    options.log_errors = False  # a pattern RE2 cannot read is expected, not an error
    options.never_capture = True  # only whether it matches counts
    options.max_mem = 32 << 20  # ~1,500 patterns need more than the default 8 MB
    return options


def _re2_reads(pattern):
    try:
        re2.compile(pattern, _re2_options())
    except re2.error:
        return False
    return True


def _dispatch(groups, rest):
    branches = [
        f"(?={re.escape(char)})(?:{'|'.join(patterns)})" for char, patterns in groups.items()
    ]
    branches += [f"(?:{pattern})" for pattern in rest]
    return re.compile("|".join(branches)) if branches else None


class FastRegex:
    """One regular expression, in RE2 when RE2 reads it (several times faster on a long
    alternation), else in `re`; `search` returns a match with `group()` either way."""

    def __init__(self, pattern):
        self.expression = None
        if re2 is not None:
            try:
                self.expression = re2.compile(pattern)
            except re2.error:
                self.expression = None
        self.in_re2 = self.expression is not None
        if self.expression is None:
            self.expression = re.compile(pattern)

    def search(self, text):
        if self.in_re2:
            return _search(self.expression, text)
        return self.expression.search(text)


_match = _direct_match() if re2 is not None else None


class ScreenSet:
    """Several expressions searched in one pass: `hits(text)` is the set of the indexes of
    those that match somewhere in `text` (RE2::Set on ASCII text). Without RE2, or on other
    text, one `re` alternation of them all says whether any matches, and then every index
    counts as a hit: the caller reads each rule itself, as it would without a screen."""

    def __init__(self, patterns):
        self.all = frozenset(range(len(patterns)))
        self.union = FastRegex("|".join(f"(?:{p})" for p in patterns))
        self._set = None
        if re2 is not None:
            try:
                screen = re2.Set.SearchSet(_re2_options())
                for pattern in patterns:
                    screen.Add(pattern)
                screen.Compile()
                self._set = screen._set
            except (re2.error, AttributeError):
                self._set = None

    def hits(self, text):
        if self._set is not None and text.isascii():
            return self._set.Match(text.encode("ascii")) or ()
        return self.all if self.union.search(text) is not None else ()


class PrintableFastRegex:
    """A `re` expression that RE2 searches when the text is printable ASCII, where the two
    read every construct alike (`\\b`, `\\w`, `\\s`, `\\d` differ only on other characters);
    any other text, or a pattern RE2 cannot read, is searched by `re`. The same matches,
    found in linear time: a long alternation without a common first character costs `re`
    tens of µs on an agent (the scanner rule alone ~100 µs), RE2 a few."""

    def __init__(self, expression):
        self.expression = expression
        self.pattern = expression.pattern
        self.linear = None
        if _match is not None and not expression.flags & ~(re.UNICODE):
            try:
                self.linear = re2.compile(expression.pattern, _re2_options())
            except re2.error:
                self.linear = None

    def search(self, text):
        if self.linear is not None and text.isascii() and text.isprintable():
            start, end = _match(self.linear, text.encode("ascii"))
            return None if start < 0 else _Found(text[start:end])
        return self.expression.search(text)
