"""The quality bar over public corpora (analytics/tests/data/README.md says where from)."""

from pathlib import Path

import crawleruseragents
import pytest

from analytics.bots import judge
from analytics.crawlers import DISPUTED
from analytics.visit import Visit

DATA = Path(__file__).parent / "data"
# crawlerdetect's device fixture holds a few clients that name no browser; we judge them bots
# (ua:not-browser) on purpose: a click reaches us from a browser or an app's HTTP stack.
NOT_BROWSERS_IN_DEVICE_SAMPLE = {"Hola cdn/1.31.214", "Space Bison/0.02 [fu] (Win67; X; SK)", "mobile"}  # fmt: skip


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


@pytest.mark.parametrize("name", ["bots-crawler-user-agents.txt", "bots-crawlerdetect.txt"])
def test_recall_on_each_public_bot_corpus_is_at_least_99_5_percent(name):
    user_agents = corpus(name)
    assert len(user_agents) > 2000
    assert len(judged_bots(user_agents)) / len(user_agents) >= 0.995


def test_the_only_misses_are_the_disputed_in_app_browsers(disputed_instances):
    user_agents = corpus("bots-crawler-user-agents.txt") + corpus("bots-crawlerdetect.txt")
    missed = set(user_agents) - set(judged_bots(user_agents))
    assert missed == disputed_instances


def test_each_disputed_pattern_is_still_in_the_package(disputed_instances):
    # When upstream drops one, drop it from DISPUTED too.
    patterns = {entry["pattern"] for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA}
    assert patterns >= DISPUTED
    assert len(disputed_instances) == len(DISPUTED)


def test_no_real_browser_user_agent_is_a_bot():
    user_agents = corpus("browsers.txt")
    assert len(user_agents) > 1000
    assert judged_bots(user_agents) == []


def test_in_the_crawlerdetect_device_sample_only_the_non_browsers_are_bots():
    user_agents = corpus("browsers-crawlerdetect-sample.txt")
    assert sum("FBAV" in ua or "Instagram" in ua for ua in user_agents) > 500
    assert set(judged_bots(user_agents)) == NOT_BROWSERS_IN_DEVICE_SAMPLE
