"""analytics.clicks.devices parses with ua-parser's Rust matcher and answers exactly what
user-agents' own (legacy, pure-Python) parse answers."""

from pathlib import Path

import pytest
import ua_parser
import user_agents

from analytics.clicks import devices

DATA = Path(__file__).parent / "data"
CORPORA = [
    "browsers.txt",
    "browsers-crawlerdetect-sample.txt",
    "bots-crawler-user-agents.txt",
    "bots-crawlerdetect.txt",
]


def corpus_sample(name, every=5):
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines[::every] if line.strip() and not line.startswith("#")]


def legacy(user_agent):
    return devices.describe(user_agents.parse(user_agent))


def test_the_fast_matcher_is_in_use():
    assert ua_parser.BestAvailableResolver.__module__ == "ua_parser.regex"  # ua-parser-rs


@pytest.mark.parametrize("corpus", CORPORA)
def test_the_answers_are_user_agents_own_on_the_corpora_but_for_more_bots_found(corpus):
    sample = corpus_sample(corpus)
    assert len(sample) > 300
    ours = {ua: devices.describe_user_agent(ua) for ua in sample}
    theirs = {ua: legacy(ua) for ua in sample}
    # Browser and OS: always the same.
    assert [ua for ua in sample if ours[ua][:2] != theirs[ua][:2]] == []
    # Device type: the same, except that ua-parser's current device rules name some
    # crawlers "Spider" where its legacy code path misses them (Applebot, Nutch, 360Spider,
    # Diffbot...): those are "bot" here, never the other way round, and no browser changes.
    changed = [ua for ua in sample if ours[ua][2] != theirs[ua][2]]
    assert all(ours[ua][2] == "bot" for ua in changed)
    if corpus.startswith("browsers"):
        assert changed == []
    else:
        assert len(changed) <= 0.05 * len(sample)  # 9 of 425 and 5 of 741 today


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
        "Mozilla/5.0 \ufffd\ufffd caf\u00e9 (Windows NT 10.0)",
        "x" * 20_000,
        "Mozilla/5.0 (X11; Linux x86_64) " * 600,
    ],
)
def test_edge_cases_match(user_agent):
    assert devices.describe_user_agent(user_agent) == legacy(user_agent)


def test_device_types():
    assert devices.describe_user_agent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    ) == ("Mobile Safari", "iOS", "mobile")
    assert devices.describe_user_agent("Mozilla/5.0 (compatible; bingbot/2.0)")[2] == "bot"
    assert devices.describe_user_agent("") == (None, None, None)
