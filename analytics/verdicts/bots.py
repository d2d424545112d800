"""The bot verdict: the one place that decides whether a click is a bot, and why.

Decided by the loader, for a batch of clicks at a time (`judge_batch`: the visits as they
were sent, their networks, and the bursts among them and the clicks around them), and stored
(`is_bot`, `bot_reason`, `bot_score`); reports read the stored verdict and never re-judge.
`reclassify_clicks` and `classify_ua` use the same rules (`rejudge_stored`, `judge`). The
docs/bot-verdicts.md has the table of codes.

The rule: a click is a bot when any *decisive* signal fires (the user agent is empty,
malformed or of a bot family; a HEAD request; a prefetch/preview request; a headless brand in
Sec-CH-UA; a burst; a datacenter network in strict mode), or when the *score* of the weaker
signals reaches BOT_SCORE_THRESHOLD:

    headers:browser-missing   70   claims a browser, sends no Accept-Language nor Sec-Fetch-*
    net:datacenter            40   network of a hosting/cloud provider
    headers:no-client-hints   30   claims Chromium >= 90 (not a WebView), sends no Sec-CH-UA

With the default threshold 70, missing browser headers alone are enough; a datacenter alone
or absent client hints alone are not, both together are. The score is 100 with a decisive
signal, else the capped sum. Every code that fired is stored, decisive ones first, also on
a human verdict (so a human from a datacenter shows "net:datacenter" with is_bot false).
"""

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

from django.conf import settings

from analytics.clicks.geo import NOWHERE, Location
from analytics.clicks.visit import Visit
from analytics.verdicts import bursts
from analytics.verdicts.crawlers import Classifier
from analytics.verdicts.datacenters import is_datacenter
from analytics.verdicts.ua_rules import Decision

WEIGHTS = {
    "headers:browser-missing": 70,
    "net:datacenter": 40,
    "headers:no-client-hints": 30,
}
# Control characters never occur in a browser's user agent (a binary or forged header).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Bytes that were not UTF-8, after a decoder replaced them (U+FFFD) or escaped them.
NOT_TEXT = re.compile(r"[\ufffd\udc80-\udcff]")
C1_CONTROLS = re.compile(r"[\x80-\x9f]")
PREFETCH = re.compile(r"prefetch|prerender|preview", re.IGNORECASE)
PURPOSE_HEADERS = ("purpose", "x-purpose", "sec-purpose", "x-moz")
NAVIGATION_HEADERS = (
    "accept-language",
    "sec-fetch-site",
    "sec-fetch-mode",
    "sec-fetch-dest",
    "sec-fetch-user",
)
# Chromium sends Sec-CH-UA on every secure request since version 89; its Android WebView
# (in-app browsers: "; wv)" or "Version/4.0 Chrome/") and iOS Chrome (WebKit) do not.
_DIGITS = re.compile(r"\d+")
WEBVIEW = re.compile(r"; wv\)|version/4\.0 chrome/")
CLIENT_HINTS_SINCE = 90
MATCH_CHARS = 512


@dataclass(frozen=True)
class Verdict:
    is_bot: bool
    # Stable reason codes of every signal that fired, the decisive one first.
    reasons: tuple[str, ...] = ()
    score: int = 0

    @property
    def bot_reason(self):
        """The stored form: reason codes joined by commas, None for a clean human. Whole
        codes only, as many as the column holds."""
        max_length = _reason_max_length()
        joined = ",".join(self.reasons)
        while len(joined) > max_length:
            joined = joined.rsplit(",", 1)[0]
        return joined or None


HUMAN = Verdict(is_bot=False)


@cache
def _reason_max_length():
    from analytics.models import Click  # not at import: the app registry may not be ready yet

    return Click._meta.get_field("bot_reason").max_length


class UserAgentFacts(NamedTuple):
    """Everything the verdict needs from the user-agent string, computed once per string
    (a named tuple: built for every never-seen agent, at a fifth of a frozen dataclass's cost)."""

    codes: tuple[str, ...]  # decisive ua:* codes
    claims_browser: bool
    expects_client_hints: bool
    decision: Decision  # which rule and token decided (classify_ua --explain)


def _is_malformed(user_agent):
    """Control characters, or bytes that were not text.

    The text may come decoded from UTF-8 (a decoder's U+FFFD or surrogate escapes mark the
    bytes that were not UTF-8) or as WSGI hands a header over, each byte one latin-1
    character. Valid text with characters U+0080-U+00FF ("Versão", a no-break space) is
    fine either way: as decoded text it is what the visitor sent; as latin-1 it is either
    UTF-8 ("VersÃ£o" decodes back) or ISO-8859-1, which HTTP allows in a header. Only the
    C1 controls (U+0080-U+009F) are never text: present, the text must be latin-1 bytes of
    valid UTF-8 (a "华为" arrives as "å\x8d\x8e…"), else it is malformed.
    """
    if user_agent.isascii():
        return bool(CONTROL_CHARS.search(user_agent))
    if CONTROL_CHARS.search(user_agent) or NOT_TEXT.search(user_agent):
        return True
    if not C1_CONTROLS.search(user_agent):
        return False
    try:
        user_agent.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return True
    return False


@lru_cache(maxsize=1)
def _classifier():
    return Classifier()


@dataclass(frozen=True)
class _Knobs:
    max_length: int
    threshold: int
    datacenter_strict: bool


@cache
def _knobs():
    """The settings the verdict reads, read once: each `settings.X` costs ~1 µs (Django's
    lazy settings object checks every attribute it hands out), as much as a cached verdict."""
    return _Knobs(
        settings.BOT_UA_MAX_LENGTH, settings.BOT_SCORE_THRESHOLD, settings.BOT_DATACENTER_STRICT
    )


def reread_knobs(setting, **kwargs):
    """setting_changed (tests; connected in AnalyticsConfig.ready)."""
    if setting.startswith("BOT_"):
        _knobs.cache_clear()


# Networks repeat across clicks far more than agents do (the ASN names are matched by words).
_is_datacenter = lru_cache(maxsize=4096)(is_datacenter)


def _user_agent_facts(user_agent, malformed=None):
    """`malformed` None: `user_agent` is the whole agent, short enough, and judged here."""
    if malformed is None:
        malformed = _is_malformed(user_agent)
    codes = []
    if malformed:
        codes.append("ua:malformed")
    decision = _classifier().decide(user_agent)
    family = decision.family
    if family:
        codes.append(f"ua:{family}")
    lower = user_agent.lower()
    claims_browser = not family and lower.startswith("mozilla/5.0")
    return UserAgentFacts(
        tuple(codes),
        claims_browser,
        bool(
            claims_browser
            and (_chromium_major(lower) or 0) >= CLIENT_HINTS_SINCE
            and not WEBVIEW.search(lower)
        ),
        decision,
    )


def _chromium_major(lower):
    """The major version of the first "chrome/<digits>" that starts a word, or None.

    `str.find` rather than a `re` search for it: a pattern that begins with a word boundary
    has no literal prefix for `re` to skip to, and costs a few µs on every browser.
    """
    at = lower.find("chrome/")
    while at >= 0:
        word_start = at == 0 or not (lower[at - 1].isalnum() or lower[at - 1] == "_")
        if word_start and (digits := _DIGITS.match(lower, at + 7)):
            return int(digits.group())
        at = lower.find("chrome/", at + 1)
    return None


# Bounded: a flood of random user agents evicts old entries instead of growing the process.
_cached_facts = lru_cache(maxsize=settings.BOT_UA_CACHE_SIZE)(_user_agent_facts)


def user_agent_facts(user_agent):
    length = len(user_agent)
    if length <= MATCH_CHARS and length <= _knobs().max_length:
        # The common case, keyed by the agent alone: a repeated agent costs one lookup.
        return _cached_facts(user_agent)
    malformed = length > _knobs().max_length or _is_malformed(user_agent)
    # Patterns read only the first MATCH_CHARS characters (every corpus bot names itself
    # within 400), so a 20 KB header costs what a normal one does and a cache entry is small.
    return _cached_facts(user_agent[:MATCH_CHARS], malformed)


def _header_codes(headers, facts):
    codes = []
    for name in PURPOSE_HEADERS:
        value = headers.get(name)
        if value and PREFETCH.search(value):
            codes.append("request:prefetch")
            break
    client_hints = headers.get("sec-ch-ua")
    if client_hints and "headless" in client_hints.lower():
        codes.append("headers:headless")
    if facts.claims_browser:
        if not any(headers.get(name) for name in NAVIGATION_HEADERS):
            codes.append("headers:browser-missing")
        if facts.expects_client_hints and not client_hints:
            codes.append("headers:no-client-hints")
    return codes


def judge(visit: Visit, location: Location = NOWHERE, burst_codes=()) -> Verdict:
    """The verdict on one visit: what it sent, its network, and the burst codes the batch
    it was loaded with gave it (`judge_batch`)."""
    decisive, weighted = _evidence(visit, location)
    decisive.extend(burst_codes)
    return _verdict(decisive, weighted)


def judge_batch(visits, locations):
    """The verdicts of a batch of visits (and their Locations), bursts included: one call
    to the burst detector for the whole batch."""
    codes = bursts.detector().bursts(visits)
    return [
        judge(visit, location, burst_codes)
        for visit, location, burst_codes in zip(visits, locations, codes, strict=True)
    ]


# Signals read from the request, which a stored click does not keep: re-judging carries them
# over from the stored verdict instead of losing them.
REQUEST_ONLY_PREFIXES = ("method:", "request:", "headers:", "burst")


def rejudge_stored(visit: Visit, stored_reason: str | None, location: Location = NOWHERE):
    """The verdict on a stored click with the current rules (reclassify_clicks).

    The user agent and network are judged again; the request-only codes of the stored verdict
    (HEAD, prefetch, header consistency, bursts) are kept as they were decided at write time,
    and so is "ua:malformed" when the stored user agent is as long as what is stored of one:
    it may have been longer when it was sent.
    """
    decisive, weighted = _evidence(visit, location)
    cut = len(visit.user_agent or "") >= settings.CLICK_USER_AGENT_MAX_CHARS
    for code in (stored_reason or "").split(","):
        if code.startswith(REQUEST_ONLY_PREFIXES) or (cut and code == "ua:malformed"):
            target = weighted if code in WEIGHTS else decisive
            if code not in target:
                target.append(code)
    return _verdict(decisive, weighted)


def _evidence(visit, location):
    user_agent = visit.user_agent or ""
    decisive, weighted = [], []
    if not user_agent.strip():
        decisive.append("ua:empty")
        facts = None
    else:
        facts = user_agent_facts(user_agent)
        decisive.extend(facts.codes)
    if (visit.method or "").upper() == "HEAD":
        decisive.append("method:head")
    # None: headers unknown (stored clicks, classify_ua), which is no evidence either way.
    if visit.headers is not None and facts is not None:
        for code in _header_codes(visit.headers, facts):
            (weighted if code in WEIGHTS else decisive).append(code)
    if _is_datacenter(location.asn_number, location.asn_org):
        strict = _knobs().datacenter_strict
        (decisive if strict else weighted).append("net:datacenter")
    return decisive, weighted


def _verdict(decisive, weighted):
    if not decisive and not weighted:
        return HUMAN
    score = 100 if decisive else min(100, sum(WEIGHTS[code] for code in weighted))
    is_bot = bool(decisive) or score >= _knobs().threshold
    return Verdict(is_bot, tuple(decisive + weighted), score)
