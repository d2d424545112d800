"""What a user-agent string alone says: a bot family and the rule that decided, or human.

`Rules.decide(user_agent)` returns a `Decision`: the family (the stored `ua:*` code, None
for a human), the rule's stable code and the token that decided (`classify_ua --explain`).
The rules run in the order of RULES below; the first that fires decides.

The patterns are in `analytics.verdicts.ua_vocabulary`. Most rules read the agent's identity
(`analytics.verdicts.ua_identity`): the text that names its software, not the whole string.
"""

from typing import NamedTuple

from analytics.verdicts.patterns import any_of
from analytics.verdicts.ua_identity import identity, product_kind, product_name
from analytics.verdicts.ua_tokens import split
from analytics.verdicts.ua_vocabulary import (
    AT_DOMAIN,
    AT_GOOGLE_AGENT,
    AT_HEADLESS,
    AT_HTTP_CLIENT,
    AT_MONITOR,
    AT_OWN_CRAWLERS,
    AT_PREVIEW,
    AT_SCANNER,
    AT_SELF_DECLARED,
    AT_TOOL_NAME,
    CLIENT_EVIDENCE,
    COMPATIBLE_BROWSER,
    DEVICE_PLATFORM,
    DOMAIN,
    ENGINE,
    GOOGLE_AGENT,
    HEADLESS,
    HTTP_CLIENT,
    MONITOR,
    OWN_CRAWLERS,
    PREVIEW,
    SCANNER,
    SCREEN,
    SELF_DECLARED,
    TOOL_NAME_WORD,
)

# Reason families (stored as "ua:<family>") and the rules that give them, in order.
RULES = {
    "scanner": "scanner",  # security scanners and attack payloads in the agent
    "headless": "headless",  # headless browsers and automation tools
    "monitor": "monitor",  # synthetic monitoring and uptime checks
    "http-client": "http-client",  # HTTP libraries and command-line clients
    "preview": "preview",  # link-preview fetchers of chat apps and social networks
    "google-agent": "crawler",  # Google's special-purpose agents (Google-Xxx, weblight)
    "list:crawler-user-agents": "crawler",  # monperrus' list
    "list:crawlerdetect": "crawler",  # JayBizzle's CrawlerDetect patterns
    "own-list": "crawler",  # crawlers both lists miss
    "self-declared": "crawler",  # "…bot", "crawler", "spider", a URL or e-mail address
    "tool-name": "crawler",  # a product named like a tool ("CybaaAgent", "CMSLookup")
    "compatible-not-browser": "not-browser",  # "(compatible; Name/1.0)" and no browser
    "mozilla-only": "not-browser",  # "Mozilla/5.0 Name/1.0": no platform comment, no browser
    "no-client": "not-browser",  # names no browser, engine, device or app stack
}
HUMAN_RULES = ("browser", "allow-list", "client")


# Named tuples, not frozen dataclasses: one is built per never-seen agent, and a frozen
# dataclass's __init__ costs ~1.5 µs (object.__setattr__ per field), a tuple's a fifth of it.
class Decision(NamedTuple):
    family: str | None  # "crawler", "preview", … (stored as "ua:<family>"); None: human
    rule: str  # a code of RULES or HUMAN_RULES
    token: str  # the text that decided

    @property
    def is_bot(self):
        return self.family is not None


class Rules:
    """The rules over chosen pattern sources; the bench builds one per source."""

    def __init__(self, lists, own_rules=True, fast_path=True):
        self.lists = lists  # (rule code, pattern set, reads lower case?) in order
        self.own_rules = own_rules
        self.fast_path = fast_path  # False: every agent through the general path (tests)
        # Most agents match no list: one RE2 call over all of them says so.
        self._any_list = any_of([(patterns, lower) for _, patterns, lower in lists])

    def family(self, user_agent):
        return self.decide(user_agent).family

    def decide(self, user_agent):
        lower = user_agent.lower()
        own = self.own_rules
        # Which own rules can fire at all, in one pass (most browsers: none).
        hits = SCREEN.hits(lower) if own else ()
        if hits:
            for at, rule, pattern in (
                (AT_SCANNER, "scanner", SCANNER),
                (AT_HEADLESS, "headless", HEADLESS),
                (AT_MONITOR, "monitor", MONITOR),
                (AT_HTTP_CLIENT, "http-client", HTTP_CLIENT),
            ):
                if at in hits and (found := pattern.search(lower)):
                    return Decision(rule, rule, found.group().strip(" /;("))
        agent = identity(user_agent, self.fast_path)
        text = agent.text.lower()
        if hits:
            if AT_PREVIEW in hits and (found := PREVIEW.search(text)):
                return Decision("preview", "preview", found.group())
            # Not in a platform comment: Google's toolbar named itself there ("Google-TR-1").
            if AT_GOOGLE_AGENT in hits and (found := GOOGLE_AGENT.search(agent.named.lower())):
                return Decision("crawler", "google-agent", found.group())
        lists = self.lists
        screened = False
        if AT_SELF_DECLARED in hits:
            pass  # a self-declared robot: a list most often names it, no screen first
        elif self._any_list is not None:
            if not self._any_list(agent.text):
                lists = ()
            screened = True
        for rule, patterns, reads_lower in lists:
            if found := patterns.search(text if reads_lower else agent.text, screened):
                return Decision("crawler", rule, found.group().strip(" ;,()[]"))
        if hits:
            if AT_OWN_CRAWLERS in hits and (found := OWN_CRAWLERS.search(text)):
                return Decision("crawler", "own-list", found.group())
            if (AT_SELF_DECLARED in hits and (found := SELF_DECLARED.search(text))) or (
                AT_DOMAIN in hits and (found := DOMAIN.search(agent.named.lower()))
            ):
                return Decision("crawler", "self-declared", found.group().strip(" ;()/"))
            if AT_TOOL_NAME in hits:
                for word in text.replace(";", " ").split():
                    if TOOL_NAME_WORD.search(product_name(word)):
                        return Decision("crawler", "tool-name", word)
        if own:
            parts = agent.parts
            if parts is None and not agent.browser_shaped:
                parts = tuple(split(user_agent))  # the common layout needs none: no rule fires
            if (found := _compatible_not_browser(parts, user_agent, lower)) is not None:
                return Decision("not-browser", "compatible-not-browser", found)
            if (found := _mozilla_only(parts, lower)) is not None:
                return Decision("not-browser", "mozilla-only", found)
            if not CLIENT_EVIDENCE.search(lower):
                return Decision("not-browser", "no-client", user_agent.split(" ", 1)[0])
        if agent.app:
            return Decision(None, "allow-list", agent.app)
        if agent.browser:
            return Decision(None, "browser", agent.browser)
        return Decision(None, "client", user_agent.split(" ", 1)[0])


def _mozilla_only(parts, lower):
    """The first product after "Mozilla/x" when the agent is only "Mozilla/x" and products of
    its own: every browser, old and new, writes a platform comment after "Mozilla/"; a tool
    that borrows the prefix often writes only its name ("Mozilla/5.0 FooFetch/1.0")."""
    if parts is None or len(parts) < 2 or not lower.startswith("mozilla/"):
        return None
    if len(parts) == 2 and parts[1].kind == "comment":
        # "Mozilla/5.0 (LeadRadar/2.1)": the one comment names a tool, not a platform; a
        # browser's names its system or device, even cut short ("Mozilla/5.0 (PlayStation)").
        fields = parts[1].fields
        if len(fields) == 1 and not (
            CLIENT_EVIDENCE.search(fields[0].lower()) or DEVICE_PLATFORM.search(fields[0].lower())
        ):
            return fields[0]
        return None
    if any(part.kind != "product" or product_kind(part.text) for part in parts[1:]):
        return None
    return parts[1].text


def _compatible_not_browser(parts, user_agent, lower):
    """The name in "Mozilla/5.0 (compatible; Name/1.0)" when nothing else names a browser."""
    if "compatible" not in lower or ENGINE.search(lower):
        return None
    if parts is None:
        parts = split(user_agent)
    for part in parts:
        if part.kind != "comment":
            continue
        fields = [f for f in part.fields if f.lower() not in ("compatible", "u", "i", "n")]
        if "compatible" in part.text.lower():
            if COMPATIBLE_BROWSER.search(part.text.lower()):
                return None
            return fields[0] if fields else "compatible"
    return None
