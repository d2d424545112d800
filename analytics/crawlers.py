"""What a user-agent string alone says: which bot family it belongs to, if any.

Detection rests on two maintained pattern lists installed as packages:
- `crawlerdetect` (JayBizzle's CrawlerDetect patterns, matched after its own exclusions
  strip browser tokens such as "Safari/537.36");
- `crawler-user-agents` (monperrus' list: one pattern per bot, with example instances).
Our own additions below are small and each is tested (analytics/tests/test_bots.py): they
name the family of a bot (for the stored reason code), catch a few generic shapes the lists
miss, and exempt in-app browsers whose app token a list takes for that app's preview fetcher.
Upgrading a package upgrades the lists (README, "Bot verdicts").
"""

import re

import crawleruseragents
from crawlerdetect.providers.crawlers import data as crawlerdetect_patterns
from crawlerdetect.providers.exclusions import data as crawlerdetect_exclusions

from .patterns import PatternSet, lower_pattern

# Headless browsers and browser-automation tools.
HEADLESS = re.compile(
    r"headless|phantomjs|slimerjs|selenium|webdriver|puppeteer|playwright|htmlunit|jsdom"
    r"|lightpanda|cypress"
)
# HTTP client libraries and command-line tools, as the first product token.
HTTP_CLIENT = re.compile(
    r"^(?:curl|wget|python-requests|python-urllib|python-httpx|python/[\d.]+ aiohttp|aiohttp"
    r"|httpx|go-http-client|okhttp|axios|node-fetch|node|undici|got|java|apache-httpclient"
    r"|libwww-perl|lwp::simple|postmanruntime|insomnia|httpie|ruby|faraday|rest-client"
    r"|guzzlehttp|php|winhttp|dart|reqwest|deno|bun|powershell)(?:[/ ;(]|$)"
    r"|windowspowershell/"
)
# Link-preview fetchers of chat apps and social networks: the app fetches the page to draw a
# card, no person has clicked yet.
PREVIEW = re.compile(
    r"facebookexternalhit|facebookcatalog|facebot|whatsapp|slackbot|slack-imgproxy|twitterbot"
    r"|telegrambot|discordbot|linkedinbot|skypeuripreview|redditbot|pinterestbot|vkshare"
    r"|viber|iframely|embedly|snap url preview|cardyb|mastodon|microsoftpreview"
    r"|google-pagerenderer|kakaotalk-scrap|line-poker"
)
# Generic shapes of self-declared robots that both lists can miss (matched after
# crawlerdetect's exclusions have removed device names such as "CUBOT").
GENERIC = re.compile(r"(?:bot|crawler|spider|scraper)\b|\+https?://")
# What a person's click comes from: a browser ("Mozilla/5.0 ...", old "Opera/9.80 ...", text
# browsers), a feature-phone browser, or a mobile app's own HTTP or media stack (Android's
# Dalvik, Apple's CFNetwork and CoreMedia) opening a link on a tap. A user agent with none of these names no browser: a script or service.
CLIENT_SHAPE = re.compile(
    r"^(?:mozilla|opera)/|dalvik/|cfnetwork/|applecoremedia/|midp|ucweb|ucbrowser|blackberry"
    r"|nokia|samsung-|up\.browser|netfront|obigo|\[fban/|^(?:links \(|elinks/|w3m/)"
)
# An in-app browser (a mobile WebView) that appends its app's name and version: a person
# tapping a link inside WhatsApp or Viber. Their bare "WhatsApp/2.x" fetcher stays a bot.
IN_APP_BROWSER = re.compile(
    r"^mozilla/5\.0 \((?:iphone|ipad|ipod|linux; (?:u; )?android|android)[^)]*\) applewebkit/"
)
IN_APP_TOKENS = re.compile(r"\b(?:whatsapp|viber)/[\d.]+(?: [a-z]\b)?|metaiab facebook", re.I)
# crawler-user-agents patterns we do not apply, each with its reason and a test:
DISPUTED = {
    # An Android build id: it matches every phone on that firmware (its instance is a person
    # in Instagram's in-app browser).
    r"AP3A\.240617\.008",
    # Meta's in-app browser marker ("IAB"): a person who tapped a link inside Facebook.
    "MetaIAB Facebook",
}


# Browser tokens and device names ("Safari/537.36", "CUBOT") removed before crawlerdetect's
# patterns and our generic shapes are tried, as crawlerdetect itself does.
EXCLUSIONS = re.compile("|".join(lower_pattern(p) for p in crawlerdetect_exclusions))


def _crawler_user_agents():
    # The list's patterns are case-sensitive by design ("NING/" must not match "Lightning/").
    patterns = (e["pattern"] for e in crawleruseragents.CRAWLER_USER_AGENTS_DATA)
    return PatternSet((p for p in patterns if p not in DISPUTED), ignore_case=False)


class Classifier:
    """Which pattern sources to use; the bench builds one per source to report each alone."""

    def __init__(self, sources=("crawlerdetect", "crawler-user-agents"), own_rules=True):
        self.crawlerdetect = (
            PatternSet(crawlerdetect_patterns) if "crawlerdetect" in sources else None
        )
        self.crawler_user_agents = (
            _crawler_user_agents() if "crawler-user-agents" in sources else None
        )
        self.own_rules = own_rules

    def family(self, user_agent):
        """'headless', 'http-client', 'preview', 'crawler', 'not-browser' or None."""
        ua = user_agent.lower()
        if IN_APP_BROWSER.match(ua):
            user_agent = IN_APP_TOKENS.sub("", user_agent)
            ua = user_agent.lower()
        if self.own_rules:
            if HEADLESS.search(ua):
                return "headless"
            if HTTP_CLIENT.search(ua):
                return "http-client"
            if PREVIEW.search(ua):
                return "preview"
        if self.crawler_user_agents and self.crawler_user_agents.search(user_agent):
            return "crawler"
        stripped = EXCLUSIONS.sub("", ua)
        if self.crawlerdetect and stripped.strip() and self.crawlerdetect.search(stripped):
            return "crawler"
        if self.own_rules:
            if GENERIC.search(stripped):
                return "crawler"
            if not CLIENT_SHAPE.search(ua):
                return "not-browser"
        return None
