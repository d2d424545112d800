"""The quality bar over public corpora (analytics/tests/data/README.md says where from)."""

from pathlib import Path

import crawleruseragents
import pytest

from analytics.clicks.visit import Visit
from analytics.verdicts.bots import judge
from analytics.verdicts.crawlers import DISPUTED

DATA = Path(__file__).parent / "data"
# crawlerdetect's device fixture holds a few clients that name no browser; we judge them bots
# (ua:not-browser) on purpose: a click reaches us from a browser or an app's HTTP stack.
NOT_BROWSERS_IN_DEVICE_SAMPLE = {"Hola cdn/1.31.214", "Space Bison/0.02 [fu] (Win67; X; SK)", "mobile"}  # fmt: skip
# Written by hand, one class of docs/bot-verdicts.md each: every line is judged right.
HAND_WRITTEN_HUMANS = [
    "humans-app-stacks.txt",
    "humans-devices.txt",
    "humans-electron.txt",
    "humans-in-app.txt",
    "humans-latin1.txt",
    "humans-legacy-browsers.txt",
    "humans-not-mozilla.txt",
    "humans-search-companies.txt",
]
HAND_WRITTEN_BOTS = [
    "bots-google-special.txt",
    "bots-monitors.txt",
    "bots-mozilla-only.txt",
    "bots-scanners.txt",
    "bots-self-named.txt",
    "bots-windows-services.txt",
]


def corpus(name):
    return (DATA / name).read_text(encoding="utf-8").splitlines()


def judged_bots(user_agents):
    return [ua for ua in user_agents if judge(Visit(user_agent=ua)).is_bot]


@pytest.fixture(scope="module")
def disputed_instances():
    return {
        instance
        for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA
        if entry["pattern"] in DISPUTED
        for instance in entry.get("instances", [])
    }


@pytest.mark.parametrize(
    ("name", "recall"),
    [
        ("bots-crawler-user-agents.txt", 0.995),
        ("bots-crawlerdetect.txt", 0.995),
        ("bots-random-user-agent.txt", 0.995),
    ],
)
def test_recall_on_each_public_bot_corpus_reaches_the_bar(name, recall):
    user_agents = corpus(name)
    assert len(user_agents) > 1000
    assert len(judged_bots(user_agents)) / len(user_agents) >= recall


def test_the_disputed_in_app_browsers_are_human(disputed_instances):
    assert disputed_instances
    assert judged_bots(disputed_instances) == []


def test_each_disputed_pattern_is_still_in_the_package(disputed_instances):
    # When upstream drops one, drop it from DISPUTED too.
    patterns = {entry["pattern"] for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA}
    assert patterns >= DISPUTED
    assert len(disputed_instances) == len(DISPUTED)


@pytest.mark.parametrize("name", HAND_WRITTEN_HUMANS)
def test_every_hand_written_human_is_human(name):
    user_agents = corpus(name)
    assert len(user_agents) >= 10
    assert judged_bots(user_agents) == []


@pytest.mark.parametrize("name", HAND_WRITTEN_BOTS)
def test_every_hand_written_bot_is_a_bot(name):
    user_agents = corpus(name)
    assert len(user_agents) >= 10
    assert set(judged_bots(user_agents)) == set(user_agents)


def test_no_real_browser_user_agent_is_a_bot():
    user_agents = corpus("browsers.txt")
    assert len(user_agents) > 1000
    assert judged_bots(user_agents) == []


def test_in_the_crawlerdetect_device_sample_only_the_non_browsers_are_bots():
    user_agents = corpus("browsers-crawlerdetect-sample.txt")
    assert sum("FBAV" in ua or "Instagram" in ua for ua in user_agents) > 500
    assert set(judged_bots(user_agents)) == NOT_BROWSERS_IN_DEVICE_SAMPLE


def test_at_most_one_in_two_thousand_in_app_browsers_of_the_labelled_sample_is_a_bot():
    user_agents = corpus("browsers-random-user-agent-in-app.txt")
    assert len(user_agents) == 2000
    assert len(judged_bots(user_agents)) <= 1


def test_at_most_one_in_three_hundred_labelled_browsers_is_a_bot():
    # The source files tools under "browser" (wkhtmltopdf, Lighthouse, Ghost Inspector,
    # PowerShell, Outlook's fetches, adbeat's crawler): most lines flagged here are those.
    user_agents = corpus("browsers-random-user-agent.txt")
    assert len(user_agents) == 10_000
    assert len(judged_bots(user_agents)) <= len(user_agents) / 300
