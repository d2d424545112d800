"""Browser, OS and device type of a user agent (stored with each click).

`user-agents` decides mobile / tablet / PC / bot from ua-parser's result, but it asks
ua-parser's legacy API, which tries ~1,300 Python regexes one by one: 1.07 ms for a user
agent this process has not seen, on the visitor's redirect. `UserAgent` below keeps
user-agents' rules and feeds them ua-parser's current API with its Rust matcher
(`ua-parser-rs`, the `ua-parser[regex]` extra): the same regexes (`ua-parser-builtins`),
53 µs with user-agents' rules (14 µs on a machine 3× faster; the parse alone is ~3/4 of
it). `analytics/tests/test_devices.py` compares the answers with the legacy path's on the
test corpora: the same browser and OS always, the same device type for every real browser,
and "bot" for a few crawlers whose device the legacy path failed to recognise.
"""

from functools import lru_cache

import ua_parser
from user_agents.parsers import (
    UserAgent as _LegacyUserAgent,
)
from user_agents.parsers import (
    parse_browser,
    parse_device,
    parse_operating_system,
)


@lru_cache(maxsize=1)
def _parser():
    # ua-parser's best available resolver: the Rust one when ua-parser-rs is installed (it
    # is pinned in requirements.txt), else its pure-Python one. Built on first use (~0.3 s:
    # a gunicorn worker does it in tracking.warm_up), not by every process that imports us.
    return ua_parser.Parser(ua_parser.BestAvailableResolver(ua_parser.load_builtins()))


class UserAgent(_LegacyUserAgent):
    """user-agents' UserAgent (is_mobile, is_tablet, is_pc, is_bot, …) on a faster parse."""

    def __init__(self, user_agent_string):
        result = _parser().parse(user_agent_string).with_defaults()
        browser, os_, device = result.user_agent, result.os, result.device
        self.ua_string = user_agent_string
        self.os = parse_operating_system(
            os_.family, os_.major, os_.minor, os_.patch, os_.patch_minor
        )
        self.browser = parse_browser(browser.family, browser.major, browser.minor, browser.patch)
        self.device = parse_device(device.family, device.brand, device.model)


@lru_cache(maxsize=4096)
def describe_user_agent(user_agent):
    """(browser, os, device type) of a user agent; parsed once per distinct string."""
    if not user_agent:
        return None, None, None
    return describe(UserAgent(user_agent))


def describe(parsed):
    """(browser, os, device type) of a parsed user-agents UserAgent."""
    if parsed.is_bot:
        device = "bot"
    elif parsed.is_tablet:
        device = "tablet"
    elif parsed.is_mobile:
        device = "mobile"
    elif parsed.is_pc:
        device = "desktop"
    else:
        device = "other"
    return parsed.browser.family or None, parsed.os.family or None, device
