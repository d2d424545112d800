"""The maintained crawler lists the verdict reads, and the classifier built over them.

Detection rests on two maintained pattern lists installed as packages:
- `crawlerdetect` (JayBizzle's CrawlerDetect patterns, matched after its own exclusions
  strip browser tokens such as "Safari/537.36");
- `crawler-user-agents` (monperrus' list: one pattern per bot, with example instances).
`analytics.ua_rules` layers structural rules over them (which part of the agent a pattern
may read, an allow-list of browser and app tokens, rules for what the lists miss). Both lists
are matched where a word begins (`PatternSet(at_word_start=True)`). Upgrading a package
upgrades the lists (README, "Bot verdicts").
"""

import re

import crawleruseragents
from crawlerdetect.providers.crawlers import data as crawlerdetect_patterns
from crawlerdetect.providers.exclusions import data as crawlerdetect_exclusions

from .patterns import PatternSet, lower_pattern, re2, without_surrogates
from .ua_rules import Rules

# crawler-user-agents patterns we do not apply, each with its reason and a test:
DISPUTED = {
    # An Android build id: it matches every phone on that firmware (its instance is a person
    # in Instagram's in-app browser).
    r"AP3A\.240617\.008",
    # Meta's in-app browser marker ("IAB"): a person who tapped a link inside Facebook.
    "MetaIAB Facebook",
}


def _exclusions():
    # Browser tokens and device names ("Safari/537.36", "CUBOT") removed before
    # crawlerdetect's patterns are tried, as crawlerdetect itself does.
    pattern = "|".join(lower_pattern(p) for p in crawlerdetect_exclusions)
    if re2 is not None:
        try:
            return re2.compile(pattern)
        except re2.error:
            pass
    return re.compile(pattern)


EXCLUSIONS = _exclusions()


def _crawler_user_agents():
    # The list's patterns are case-sensitive by design ("NING/" must not match "Lightning/").
    patterns = (e["pattern"] for e in crawleruseragents.CRAWLER_USER_AGENTS_DATA)
    return PatternSet(
        (p for p in patterns if p not in DISPUTED), ignore_case=False, at_word_start=True
    )


# crawlerdetect patterns we do not apply, each with its reason and a test:
DISPUTED_CRAWLERDETECT = {
    # A phone model (OPPO's A33), which its own browser appends to the agent.
    "OPPO A33",
}


class _CrawlerDetect:
    def __init__(self):
        patterns = (p for p in crawlerdetect_patterns if p not in DISPUTED_CRAWLERDETECT)
        self.patterns = PatternSet(patterns, at_word_start=True)

    def search(self, lower):
        stripped = EXCLUSIONS.sub("", without_surrogates(lower))
        return self.patterns.search(stripped) if stripped.strip() else None


class Classifier(Rules):
    """Which pattern sources to use; the bench builds one per source to report each alone."""

    def __init__(self, sources=("crawlerdetect", "crawler-user-agents"), own_rules=True):
        lists = []
        if "crawler-user-agents" in sources:
            lists.append(("list:crawler-user-agents", _crawler_user_agents(), False))
        if "crawlerdetect" in sources:
            lists.append(("list:crawlerdetect", _CrawlerDetect(), True))
        super().__init__(lists, own_rules=own_rules)
