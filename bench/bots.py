"""Prints the cost of one bot verdict (analytics.verdicts.bots.judge) and the corpus figures.

- repeat-heavy mix: 200,000 visits drawn from 400 distinct user agents with a Zipf-like
  popularity (a few browsers make most clicks, as in real traffic), with request headers;
- never-seen: every visit a user agent new to the process (cache cleared; each agent of the
  corpora as a later release sends it, product versions redrawn), nine browsers to one bot
  as in the mix above, then browsers alone and bots alone: median, mean, p99 and max;
- burst detection against Redis (both rules), alone and in loads of 500, when Redis answers;
- recall / false positives of each pattern source alone, on its own and on the other
  source's corpus, and of the full verdict.
- recall on every bot corpus and false positives on every human corpus of
  analytics/tests/data/ (the full verdict).
Run with `--quick` for a smaller run. The process runs single-threaded; the verdict
timings are this thread's CPU time (other processes on a shared machine do not count), and
still vary by +-30%. The figures also replace the "bench/bots" section of
bench/RESULTS.md.
"""

import io
import os
import random
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "macondo.settings")
os.environ.setdefault("DEBUG", "true")
os.environ["REDIS_URL"] = ""  # the verdict itself; Redis is measured on its own below

import django  # noqa: E402

django.setup()

from analytics.clicks.geo import Location  # noqa: E402
from analytics.clicks.visit import Visit  # noqa: E402
from analytics.verdicts import bots  # noqa: E402
from analytics.verdicts.bursts import RedisBursts, rules  # noqa: E402
from analytics.verdicts.crawlers import Classifier  # noqa: E402

DATA = ROOT / "analytics" / "tests" / "data"
QUICK = "--quick" in sys.argv
HEADERS = {
    "accept": "text/html",
    "accept-language": "en-GB,en;q=0.9",
    "sec-fetch-site": "cross-site",
    "sec-fetch-mode": "navigate",
    "sec-fetch-dest": "document",
    "sec-ch-ua": '"Chromium";v="131", "Google Chrome";v="131"',
}


def corpus(name):
    return (DATA / name).read_text(encoding="utf-8").splitlines()


def per_call(fn, items, clock=time.perf_counter):
    start = clock()
    for item in items:
        fn(item)
    return (clock() - start) / len(items) * 1e6


RESULTS = ROOT / "bench" / "RESULTS.md"
# Versions of products other than "Mozilla/5.0", which every browser sends unchanged.
VERSION = re.compile(r"(?<!Mozilla/)(?<=/)\d+(?:\.\d+)*")
COMMENT = re.compile(r"(\([^()]*\))")


def never_seen(agent, i, rng):
    """`agent` as a later release would send it: each product's version outside comments
    redrawn, the last number unique to `i`; an agent with no version gets one appended."""
    pieces = COMMENT.split(agent)
    versions = [n for n, piece in enumerate(pieces) if n % 2 == 0 and VERSION.search(piece)]
    if not versions:
        return f"{agent}/{i}"

    def redraw(found):
        return ".".join(str(rng.randrange(1, 200)) for _ in found.group().split("."))

    for n in versions:
        pieces[n] = VERSION.sub(redraw, pieces[n])
    last = versions[-1]
    head, _, tail = pieces[last].rpartition(".") if "." in pieces[last] else ("", "", "")
    pieces[last] = f"{head}.{i}{tail.lstrip('0123456789')}" if head else f"{pieces[last]}.{i}"
    return "".join(pieces)


def main():
    report = io.StringIO()

    def say(line=""):
        print(line)
        report.write(line + "\n")

    rng = random.Random(5)
    browsers = corpus("browsers.txt")
    bot_uas = corpus("bots-crawler-user-agents.txt") + corpus("bots-crawlerdetect.txt")

    start = time.perf_counter()
    bots.judge(Visit(user_agent=browsers[0]))
    print(
        f"first verdict in a process (compiles the pattern lists): {time.perf_counter() - start:.2f} s"
    )

    # Repeat-heavy: 90% of distinct agents browsers, 10% bots; Zipf popularity.
    distinct = rng.sample(browsers, 360) + rng.sample(bot_uas, 40)
    rng.shuffle(distinct)
    weights = [1 / (rank + 1) for rank in range(len(distinct))]
    n = 20_000 if QUICK else 200_000
    comcast = Location(asn_number=7922, asn_org="Comcast")
    visits = [Visit(user_agent=ua, headers=HEADERS) for ua in rng.choices(distinct, weights, k=n)]
    bots._cached_facts.cache_clear()
    us = per_call(lambda visit: bots.judge(visit, comcast), visits, time.thread_time)
    say(
        f"amortised, repeat-heavy mix ({n:,} visits, {len(distinct)} distinct agents): "
        f"{us:.1f} µs per verdict"
    )

    # All distinct: each user agent new to the process, as a new browser or app release makes
    # them (the product versions changed, the platform comments as they were), in the mix of
    # the repeat-heavy run (nine browsers to one bot), and each kind alone.
    m = 2_000 if QUICK else 10_000
    mixes = [
        ("browsers and bots 9:1", lambda: rng.choice(browsers if rng.random() < 0.9 else bot_uas)),
        ("browsers", lambda: rng.choice(browsers)),
        ("bots", lambda: rng.choice(bot_uas)),
    ]
    for label, draw in mixes:
        fresh = [never_seen(draw(), i, rng) for i in range(m)]
        bots._cached_facts.cache_clear()
        samples = []
        for ua in fresh:
            # This thread's CPU time: on a shared machine a wall-clock sample of ~10 µs is
            # mostly other processes' time slices whenever the load exceeds the cores.
            t = time.thread_time_ns()
            bots.judge(Visit(user_agent=ua, headers=HEADERS))
            samples.append((time.thread_time_ns() - t) / 1e3)
        samples.sort()
        say(
            f"never-seen agent, {label} ({m:,} distinct): median "
            f"{samples[len(samples) // 2]:.1f} µs, mean {statistics.mean(samples):.0f} µs, "
            f"p99 {samples[int(len(samples) * 0.99)]:.0f} µs, max {samples[-1]:.0f} µs"
        )
    info = bots._cached_facts.cache_info()
    print(f"user-agent cache: {info.currsize:,} of at most {info.maxsize:,} entries")

    huge = [f"Mozilla/5.0 {i} " + "x" * 20_000 for i in range(200)]
    print(
        f"20 KB user agents, never seen: {per_call(lambda ua: bots.judge(Visit(user_agent=ua)), huge):.0f} µs per verdict"
    )

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    prefix = f"bench-burst-{uuid.uuid4().hex}:"
    detector = RedisBursts(redis_url, rules(), prefix=prefix)
    now = datetime.now(UTC)
    clicks = [
        Visit(
            id=str(uuid.uuid4()),
            link_id=str(i % 20),
            ip=f"203.0.113.{i % 50}",
            user_agent=rng.choice(distinct),
            timestamp=now + timedelta(milliseconds=i),
        )
        for i in range(2_000 if QUICK else 20_000)
    ]
    try:
        detector.client.ping()
        alone = per_call(lambda click: detector.bursts([click]), clicks[: len(clicks) // 2])
        batches = [clicks[i : i + 500] for i in range(len(clicks) // 2, len(clicks), 500)]
        batched = per_call(detector.bursts, batches) / 500
        print(
            f"burst check against Redis ({redis_url}): {alone:.0f} µs per click alone, "
            f"{batched:.0f} µs per click in loads of 500"
        )
        for key in detector.client.scan_iter(f"{prefix}*"):
            detector.client.delete(key)
    except Exception as exc:
        print(f"burst check against Redis: skipped ({exc})")

    say()
    say("| corpus | lines | judged bots | |")
    say("| --- | ---: | ---: | --- |")
    for path in sorted(DATA.glob("*.txt")):
        lines = corpus(path.name)
        flagged = sum(bots.judge(Visit(user_agent=ua)).is_bot for ua in lines)
        share = flagged / len(lines) * 100
        kind = "recall" if path.name.startswith("bots-") else "false positives"
        say(f"| `{path.name}` | {len(lines):,} | {flagged:,} | {kind} {share:.2f} % |")
    _write_results(report.getvalue())

    print()
    cua, cd = corpus("bots-crawler-user-agents.txt"), corpus("bots-crawlerdetect.txt")
    devices = corpus("browsers-crawlerdetect-sample.txt")
    configs = [
        ("crawlerdetect patterns alone", Classifier(("crawlerdetect",), own_rules=False)),
        (
            "crawler-user-agents patterns alone",
            Classifier(("crawler-user-agents",), own_rules=False),
        ),
        ("our rules alone", Classifier((), own_rules=True)),
        ("crawlerdetect + our rules", Classifier(("crawlerdetect",))),
        ("crawler-user-agents + our rules", Classifier(("crawler-user-agents",))),
        ("full verdict (both lists + our rules)", Classifier()),
    ]

    def pct(classifier, uas):
        hits = sum(1 for ua in uas if classifier.family(ua))
        return f"{hits / len(uas) * 100:6.2f}% ({hits}/{len(uas)})"

    print(
        f"{'':40} {'crawler-user-agents corpus':>28} {'crawlerdetect corpus':>28} {'both':>28} {'FP browsers':>14} {'FP devices':>12}"
    )
    for label, classifier in configs:
        fp_browsers = sum(1 for ua in browsers if classifier.family(ua))
        fp_devices = sum(1 for ua in devices if classifier.family(ua))
        print(
            f"{label:40} {pct(classifier, cua):>28} {pct(classifier, cd):>28} "
            f"{pct(classifier, cua + cd):>28} {fp_browsers:>6}/{len(browsers)} {fp_devices:>5}/{len(devices)}"
        )


def _write_results(text):
    """Replace the bench/bots section of bench/RESULTS.md with this run's figures."""
    header = "## bench/bots\n"
    section = (
        f"{header}\n{time.strftime('%Y-%m-%d')}, `bench/bots{' --quick' if QUICK else ''}` "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):\n\n{text}\n"
    )
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Bench results\n\n"
    if header in old:
        old = re.sub(
            r"## bench/bots\n.*?(?=\n## |\Z)", section.rstrip("\n") + "\n", old, flags=re.S
        )
    else:
        old = old.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(old, encoding="utf-8")


if __name__ == "__main__":
    main()
