"""Bursts: one client clicking one link too often to be a person.

Two rules, each "at least COUNT clicks of the same key, the click itself included, with
timestamps in [t - WINDOW, t]", decided on the clicks' own timestamps, never on the order
in which batches reach us:

- "burst": the same IP and user agent on the same link, BOT_BURST_COUNT (6) times within
  BOT_BURST_WINDOW_SECONDS (30): a script reloading a link. The 6th click and every later
  one inside the window are bots; the first five stay as judged.
- "burst:ip": the same IP on the same link whatever the user agent, BOT_BURST_IP_COUNT (60)
  times within BOT_BURST_IP_WINDOW_SECONDS (60): a script that changes its user agent every
  few clicks. The threshold is high because one address can be many people. A carrier's
  NAT (CGNAT) shares an IPv4 address among tens of subscribers, ~126 when its 64,512 ports
  are handed out in blocks of 512 (a common allocation); an office or campus NAT puts a few
  hundred people behind one. For one of these addresses to send 60 clicks on ONE link in a
  minute, a message must reach nearly everyone behind it at once and one in two to five of
  them must tap it within that minute (a newsletter sent to a whole office of 300 people at
  9:00 with a 10 % first-minute click rate gives 30); people who read a link do not all tap
  it in the same minute. A script at one click a second is flagged within a minute, one at
  full speed after 59 clicks, whatever agents it rotates.

Every click is registered by its time stamp in one sorted set per key (member: the click
id, so a batch loaded twice counts nothing twice), and the loader registers a whole file as
soon as it reads it but judges its clicks only BOT_BURST_LATENESS_SECONDS after they
happened (`analytics.clicks.spool`), so that the clicks of other workers and servers from the same
moment are registered first: however their batches interleave, each click is counted
against every click of its key in its window.

Bounded memory without turning a flood into people: time is cut into buckets one window
long, and of the clicks in one bucket only the earliest COUNT and the latest COUNT are kept
(a flood key holds at most 2 x COUNT entries per bucket). Any window [t - W, t] is a suffix
of one bucket and a prefix of the next: a suffix with fewer than COUNT clicks lies within
the kept latest COUNT, a prefix within the kept earliest COUNT, and a part with COUNT or
more keeps COUNT. So every click's count is exact up to COUNT and at least COUNT beyond it:
the same verdicts as keeping every click. Entries older than HORIZON_SECONDS before the
click being added are dropped, and a key expires a little after its largest window and the
lateness (a backlog loaded later registers its clicks again before judging them).

State is shared by all workers and app servers only through Redis (REDIS_URL), in keys named
REDIS_KEY_PREFIX + "burst:" + the key. A Redis error
means no burst evidence for that batch (never a lost or delayed click); it is logged once per
outage and Redis is not asked again for a few seconds. Without REDIS_URL (the quick start,
one-process deployments) the same sets live in each process (LocalBursts): NOT shared between
gunicorn workers, which `/health` ("bursts": "per process") and `check --deploy` say.
"""

import hashlib
import logging
import threading
from bisect import bisect_left, insort
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings

from macondo.degraded import Dependency

logger = logging.getLogger(__name__)

RETRY_AFTER_ERROR_SECONDS = 5
HORIZON_SECONDS = 600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Rule:
    code: str
    count: int
    window_us: int


def rules():
    return (
        Rule("burst", settings.BOT_BURST_COUNT, round(settings.BOT_BURST_WINDOW_SECONDS * 1e6)),
        Rule(
            "burst:ip",
            settings.BOT_BURST_IP_COUNT,
            round(settings.BOT_BURST_IP_WINDOW_SECONDS * 1e6),
        ),
    )


def keys(visit):
    """(same agent key, same address key) of a visit; None if it has no link or IP."""
    if not visit.link_id or not visit.ip:
        return None
    agent = (visit.user_agent or "").encode("utf-8", "surrogatepass")
    agent_hash = hashlib.blake2b(agent, digest_size=8).hexdigest()
    return f"a:{visit.link_id}:{visit.ip}:{agent_hash}", f"i:{visit.link_id}:{visit.ip}"


def microseconds(moment):
    return (moment - _EPOCH) // _MICROSECOND


def _clicks(visits):
    """(index in visits, keys, time in µs, member) of the visits that can be counted."""
    clicks = []
    for index, visit in enumerate(visits):
        pair = keys(visit)
        if pair is not None and visit.timestamp is not None and visit.id:
            clicks.append((index, pair, microseconds(visit.timestamp), visit.id))
    return clicks


def _ttl_seconds(rule_set):
    longest = max(rule.window_us for rule in rule_set) / 1e6
    return int(longest + settings.BOT_BURST_LATENESS_SECONDS + 60)


# ARGV: mode ("count" or "register"), key prefix, horizon µs, ttl s, then per rule its window
# µs and count, then one "key<TAB>key<TAB>µs<TAB>member" line per click. Answers one digit
# per click: 1 the first rule fired, 2 the second, 3 both (one string: parsing a reply of
# two integers per click cost redis-py more than the script). Scores are whole
# microseconds (exact in a double); bounds are formatted with %d, as Lua's own number to
# text conversion keeps only 14 digits. Every click is
# added (and its bucket thinned) before any is counted, so a call's answer does not depend
# on the order of its lines either. One text argument instead of one command per click:
# redis-py's encoding of commands cost more than the script itself.
_SCRIPT = r"""
local mode, prefix = ARGV[1], ARGV[2]
local horizon, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local rules = {{tonumber(ARGV[5]), tonumber(ARGV[6])}, {tonumber(ARGV[7]), tonumber(ARGV[8])}}
local clicks = {}
for a, i, t, member in string.gmatch(ARGV[9], "([^\t\n]+)\t([^\t\n]+)\t([^\t\n]+)\t([^\t\n]+)\n") do
  clicks[#clicks + 1] = {{prefix .. a, prefix .. i}, tonumber(t), member}
end
for _, click in ipairs(clicks) do
  local t, member = click[2], click[3]
  for r, rule in ipairs(rules) do
    local key, window, count = click[1][r], rule[1], rule[2]
    if redis.call('ZADD', key, t, member) == 1 then
      local low = t - t % window
      if redis.call('ZCOUNT', key, low, string.format('(%d', low + window)) > 2 * count then
        local first = redis.call('ZCOUNT', key, '-inf', string.format('(%d', low))
        redis.call('ZREMRANGEBYRANK', key, first + count, first + count)
      end
      redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('(%d', t - horizon))
    end
    redis.call('EXPIRE', key, ttl)
  end
end
local fired = {}
if mode == 'count' then
  for n, click in ipairs(clicks) do
    local t, mask = click[2], 0
    for r, rule in ipairs(rules) do
      local low = string.format('%d', t - rule[1])
      if redis.call('ZCOUNT', click[1][r], low, string.format('%d', t)) >= rule[2] then
        mask = mask + r
      end
    end
    fired[n] = mask
  end
end
return table.concat(fired)
"""
# Clicks per script call: Redis runs a script atomically, so a call must stay short.
_CLICKS_PER_CALL = 500


def _codes(rule_set, fired):
    return tuple(rule.code for rule, hit in zip(rule_set, fired, strict=True) if hit)


class RedisBursts:
    shared = True

    def __init__(self, url, rules, *, prefix, timeout=1.0):
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.rules, self.prefix = rules, prefix
        self.redis = Dependency(
            logger,
            down="Burst detection off, Redis unavailable: %s",
            back="Burst detection back on, Redis answers again",
            retry_seconds=RETRY_AFTER_ERROR_SECONDS,
            back_level=logging.INFO,
        )
        self._script = self.client.register_script(_SCRIPT)

    @property
    def available(self):
        return self.redis.may_try()

    def register(self, visits):
        """Add `visits` to their keys' sets, counting nothing (a file as soon as it is read)."""
        self._call("register", _clicks(visits))

    def bursts(self, visits):
        """The burst codes of each of `visits` (a tuple per visit, () for none), counted
        against every click registered so far, these included."""
        clicks = _clicks(visits)
        answers = [()] * len(visits)
        fired = self._call("count", clicks)
        if fired is None:
            return answers
        codes = [_codes(self.rules, (mask & 1, mask & 2)) for mask in range(4)]
        for (index, *_rest), mask in zip(clicks, fired, strict=True):
            answers[index] = codes[int(mask)]
        return answers

    def _call(self, mode, clicks):
        if not clicks or not self.available:
            return None
        (a, b) = self.rules
        head = [
            mode,
            self.prefix,
            HORIZON_SECONDS * 1_000_000,
            _ttl_seconds(self.rules),
            a.window_us,
            a.count,
            b.window_us,
            b.count,
        ]
        fired = []
        try:
            for start in range(0, len(clicks), _CLICKS_PER_CALL):
                lines = "".join(
                    f"{agent}\t{address}\t{t}\t{member}\n"
                    for _index, (agent, address), t, member in clicks[
                        start : start + _CLICKS_PER_CALL
                    ]
                )
                fired.append(self._script(args=[*head, lines]) or b"")
        except Exception as exc:  # no evidence, never a lost click
            self.redis.failed(exc)
            return None
        self.redis.answered()
        return b"".join(fired).decode()


class LocalBursts:
    """The same sets in this process's memory, for deployments without Redis (see the module
    doc); at most `max_keys` keys, the least recently used forgotten first."""

    shared = False
    available = True

    def __init__(self, rules, max_keys=100_000):
        self.rules, self.max_keys = rules, max_keys
        self._sets = OrderedDict()  # key -> sorted list of (µs, member)
        self._lock = threading.Lock()

    def register(self, visits):
        with self._lock:
            for _index, pair, t, member in _clicks(visits):
                self._add(pair, t, member)

    def bursts(self, visits):
        answers = [()] * len(visits)
        with self._lock:
            clicks = _clicks(visits)
            for _index, pair, t, member in clicks:
                self._add(pair, t, member)
            for index, pair, t, _member in clicks:
                fired = []
                for key, rule in zip(pair, self.rules, strict=True):
                    entries = self._sets.get(key, ())
                    low = bisect_left(entries, (t - rule.window_us, ""))
                    fired.append(bisect_left(entries, (t + 1, "")) - low >= rule.count)
                answers[index] = _codes(self.rules, fired)
        return answers

    def _add(self, pair, t, member):
        for key, rule in zip(pair, self.rules, strict=True):
            entries = self._sets.pop(key, None) or []
            self._sets[key] = entries  # now the most recently used
            item = (t, member)
            at = bisect_left(entries, item)
            if at < len(entries) and entries[at] == item:
                continue
            insort(entries, item)
            low = t - t % rule.window_us
            first = bisect_left(entries, (low, ""))
            if bisect_left(entries, (low + rule.window_us, "")) - first > 2 * rule.count:
                del entries[first + rule.count]
            del entries[: bisect_left(entries, (t - HORIZON_SECONDS * 1_000_000, ""))]
        while len(self._sets) > self.max_keys:
            self._sets.popitem(last=False)


_detectors = {}


def detector():
    """This process's detector for the current settings (one Redis connection pool)."""
    rule_set = rules()
    config = (settings.REDIS_URL, settings.REDIS_KEY_PREFIX, rule_set)
    if config not in _detectors:
        url, prefix = settings.REDIS_URL, settings.REDIS_KEY_PREFIX
        _detectors[config] = (
            RedisBursts(
                url, rule_set, prefix=f"{prefix}burst:", timeout=settings.BOT_REDIS_TIMEOUT_SECONDS
            )
            if url
            else LocalBursts(rule_set)
        )
    return _detectors[config]


def forget():
    """Drop this process's detectors and their in-process sets (tests)."""
    _detectors.clear()


def status():
    """What /health says of burst counting: "shared" (Redis answers), "per process" (no
    REDIS_URL), or "unavailable" (Redis is failing: no burst evidence for now)."""
    current = detector()
    if not current.shared:
        return "per process"
    return "shared" if current.available else "unavailable"
