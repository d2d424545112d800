"""The maintained crawler lists the verdict reads, and the classifier built over them.

Detection rests on two maintained pattern lists installed as packages:
- `crawlerdetect` (JayBizzle's CrawlerDetect patterns);
- `crawler-user-agents` (monperrus' list: one pattern per bot, with example instances).
`analytics.verdicts.ua_rules` layers structural rules over them (which part of the agent a pattern
may read, an allow-list of browser and app tokens, rules for what the lists miss). Both lists
are matched where a word begins (`PatternSet(at_word_start=True)`). Upgrading a package
upgrades the lists (docs/bot-verdicts.md).
"""

import crawleruseragents
from crawlerdetect.providers.crawlers import data as crawlerdetect_patterns

from analytics.verdicts.patterns import PatternSet
from analytics.verdicts.ua_rules import Rules

# crawler-user-agents patterns we do not apply, each with its reason and a test:
DISPUTED = {
    # An Android build id: it matches every phone on that firmware (its instance is a person
    # in Instagram's in-app browser).
    r"AP3A\.240617\.008",
    # Meta's in-app browser marker ("IAB"): a person who tapped a link inside Facebook.
    "MetaIAB Facebook",
}


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


def _crawlerdetect():
    # crawlerdetect strips browser tokens and device names ("Safari/537.36", "CUBOT") before
    # its patterns: the identity text and word-start matching do that work here (the same
    # answers on every corpus line with and without its exclusions, at a third of the cost).
    patterns = (p for p in crawlerdetect_patterns if p not in DISPUTED_CRAWLERDETECT)
    return PatternSet(patterns, at_word_start=True)


class Classifier(Rules):
    """Which pattern sources to use; the bench builds one per source to report each alone."""

    def __init__(
        self, sources=("crawlerdetect", "crawler-user-agents"), own_rules=True, fast_path=True
    ):
        lists = []
        if "crawler-user-agents" in sources:
            lists.append(("list:crawler-user-agents", _crawler_user_agents(), False))
        if "crawlerdetect" in sources:
            lists.append(("list:crawlerdetect", _crawlerdetect(), True))
        super().__init__(lists, own_rules=own_rules, fast_path=fast_path)
