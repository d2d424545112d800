"""The text of a user agent that names its software: what the crawler patterns read.

The maintained crawler lists (`analytics.verdicts.crawlers`) are substring patterns written for the
whole string. Matched anywhere they also fire inside a phone's model name ("Bot Tab 7",
"HTC Butterfly", "OPPO A33"), a carrier (`FBCR/OrangeBotswana`), a version number (Opera
Mini's `4.4.39008/37`) or the app token of a search company's own browser (`YaBrowser`,
`SogouMobileBrowser`, `coc_coc_browser`). So a browser-shaped agent is first reduced to the
text that names its software (`identity`): product tokens less the allow-listed app tokens,
and from a phone's platform comment or an app's comment only what names software (a
`Name/1.0` field, a URL); other comments (`compatible;` of a non-browser, what follows
"KHTML, like Gecko", a desktop's platform less allow-listed add-ons) are read whole. A
phone's device, build and carrier fields never reach a pattern. An agent that is not
browser-shaped (no engine, no known client layout) is read whole.
"""

import re
from functools import lru_cache
from typing import NamedTuple

from analytics.verdicts.ua_tokens import Part, split
from analytics.verdicts.ua_vocabulary import (
    ALLOW_BRACKET,
    ALLOW_TOKENS,
    BROWSER_TOKENS,
    COMPATIBLE_BROWSER_ANYWHERE,
    COMPATIBLE_BROWSER_NAME,
    DEVICE_PLATFORM,
    DEVICE_PRODUCTS,
    ENGINE,
    OTHER_CLIENTS,
    OTHER_CLIENTS_ANYWHERE,
    PLAIN_BROWSER_TOKENS,
    PLATFORM_NAMES,
    SOFTWARE_FIELD,
)


# A named tuple for the reason `ua_rules.Decision` is one: one is built per never-seen agent.
class Identity(NamedTuple):
    text: str  # what the rules read
    named: str  # `text` less a desktop platform comment's fields, where IE showed its ISP
    app: str  # the last allow-listed app token left out of both, if any
    browser: str  # the most specific browser token, if any
    browser_shaped: bool
    parts: tuple | None  # the agent split (ua_tokens.split); None: not split (yet)


def product_name(word):
    """The lower-cased name of a product word ("Chrome/120.0" -> "chrome")."""
    return word.split("/", 1)[0].lower()


# The layout most browsers send: a platform comment, WebKit or Gecko, then only browser
# tokens. Its identity is built from the cached platform comment and the tokens without
# splitting the agent (the same Identity as the general path, at a fraction of the cost).
COMMON_SHAPE = re.compile(
    r"Mozilla/5\.0 \(([^()\[\]]+)\) "
    r"(AppleWebKit/[\d.]+\+? \(KHTML, like Gecko\)|Gecko/[\d.]+)"
    r"((?: (?:Version|Chrome|CriOS|FxiOS|Firefox|Edg|EdgA|EdgiOS|OPR|Safari|Mobile"
    r"|SamsungBrowser)/[\w.]+| Mobile)*)"
)


# The browser of a common-shape agent: its last token other than Version, Mobile, Safari.
_COMMON_BROWSER = re.compile(
    r".* ((?:Chrome|CriOS|FxiOS|Firefox|Edg|EdgA|EdgiOS|OPR|SamsungBrowser)/[\w.]+)"
)


def _common_identity(found):
    platform, engine, tail = found.groups()
    text, named = _platform_prefix(platform)
    engine = engine.split(" ", 1)[0]
    if browser := _COMMON_BROWSER.match(tail):
        browser = browser.group(1)
    else:
        browser = tail.rsplit(" ", 1)[-1] or engine
    rest = f" {engine}{tail}"
    return Identity(text + rest, named + rest, "", browser, True, None)


@lru_cache(maxsize=4096)
def _platform_prefix(platform):
    """The identity text and named text of "Mozilla/5.0 (<platform>)", the first comment."""
    units, named = _comment_units(platform, "software", True)
    return " ".join(("Mozilla/5.0", *units)), " ".join(("Mozilla/5.0", *named))


def identity(user_agent, fast_path=True):
    """The text of a user agent that names its software (module docstring).

    `fast_path=False` reads a common-shape agent the general way too (the tests compare both).
    """
    if fast_path and (found := COMMON_SHAPE.fullmatch(user_agent)):
        return _common_identity(found)
    lower = user_agent.lower()
    parts = None  # split only when needed: most bots are decided from the whole text
    shaped = OTHER_CLIENTS.match(lower) or OTHER_CLIENTS_ANYWHERE.search(lower)
    if not shaped and lower.startswith("mozilla/"):
        shaped = ENGINE.search(lower)
        if not shaped and COMPATIBLE_BROWSER_ANYWHERE.search(lower):
            parts = tuple(split(user_agent))
            shaped = _compatible_browser(parts, lower)
    if not shaped:
        return Identity(user_agent, user_agent, "", "", False, parts)
    if parts is None:
        parts = tuple(split(user_agent))
    units, named, apps, browsers = [], [], [], []
    previous = None  # the product before a comment: whose comment it is
    first = True  # the product is the agent's first
    platform_seen = False  # the first product's first comment is the platform comment
    for part in parts:
        if part.kind == "product":
            if part.name == "device":
                continue  # "Device/samsung-SM-G930F" of an app's HTTP stack: a model name
            kind = product_kind(part.text)
            if kind == "allow":
                apps.append(part.text)
            else:
                units.append(part.text)
                named.append(part.text)
                if kind == "browser":
                    browsers.append(part.text)
            previous, first = part, previous is None
            platform_seen = platform_seen or not first
        elif part.kind == "bracket":
            if ALLOW_BRACKET.match(part.text):
                apps.append(f"[{part.text}]")
            else:
                units.append(part.text)
                named.append(part.text)
        else:
            if previous is None:
                owner = None
            elif previous.name in DEVICE_PRODUCTS:
                owner = "device"
            elif "/" not in previous.text or product_kind(previous.text) == "allow":
                owner = "app"
            else:
                owner = "software"
            read, read_named = _comment_units(part.text, owner, first and not platform_seen)
            platform_seen = True
            units.extend(read)
            named.extend(read_named)
    browser = next(
        (t for t in reversed(browsers) if product_name(t) not in PLAIN_BROWSER_TOKENS),
        browsers[-1] if browsers else "",
    )
    apps = apps[-1] if apps else ""
    return Identity(" ".join(units), " ".join(named), apps, browser, True, parts)


@lru_cache(maxsize=4096)
def product_kind(text):
    """`_token_kind` of a product word ("AppleWebKit/537.36"): the words repeat too."""
    return _token_kind(product_name(text))


@lru_cache(maxsize=4096)
def _token_kind(name):
    """ "allow" (left out of the identity), "browser" or None: names repeat across agents."""
    if ALLOW_TOKENS.match(name):
        return "allow"
    return "browser" if BROWSER_TOKENS.match(name) else None


# Platform comments repeat across agents ("Windows NT 10.0; Win64; x64"): bounded cache.
@lru_cache(maxsize=4096)
def _comment_units(text, owner, platform):
    """(fields all rules read, those of them outside a desktop platform comment).

    `owner`: None (no product before it), "app" (an app token or a bare word), "device" (a
    TV standard's token: its comment lists vendor, model and firmware) or "software" (any
    other product).
    """
    fields = Part("comment", text).fields
    if not fields:
        return (), ()
    lowered = [field.lower() for field in fields]
    if "compatible" in lowered:
        after = lowered.index("compatible") + 1
        if after == len(fields) or not COMPATIBLE_BROWSER_NAME.match(lowered[after]):
            # "(compatible; Googlebot/2.1; +http://…)": a tool names itself.
            rest = tuple(f for f, low in zip(fields, lowered, strict=True) if low != "compatible")
            return rest, rest
    if "khtml" in lowered or "like gecko" in " ".join(lowered):
        # "(KHTML, like Gecko; googleweblight)": what follows the engine names software.
        extra = tuple(e for e in (_ENGINE_WORDS.sub("", f).strip() for f in fields) if e)
        return extra, extra
    if owner == "software" and not platform and not lowered[0].startswith("edition "):
        # After a browser's token ("… Firefox/38.0 (IndeedBot 1.1)") or an unknown product
        # ("Nikto/2.5.0 (Evasions:None)"): the comment names software, less allow-listed
        # add-ons ("Firefox/3.0 (WEB.DE)").
        fields = tuple(f for f in fields if _token_kind(product_name(f.split()[0])) != "allow")
        return fields, fields
    # The platform comment, the comment of an app token or bare word ("Instagram
    # 406.0.0.58.159 Android (…; OPPO; CPH2557; …)"), Opera's "(Edition Campaign 34)":
    # only fields that name software are read. A desktop platform names no device: all its
    # fields are read ("Windows NT 6.1; Neustar WPM"); a phone's never are.
    software = tuple(
        f
        for f in fields
        if SOFTWARE_FIELD.search(f)
        and product_name(f) not in PLATFORM_NAMES
        and _token_kind(product_name(f)) != "allow"
    )
    if platform and owner != "device" and not DEVICE_PLATFORM.search(text.lower()):
        # Less the allow-listed add-ons Internet Explorer listed there ("PeoplePal 6.2") and
        # Opera's distribution partner ("Edition Seznam").
        kept = tuple(
            f
            for f, low in zip(fields, lowered, strict=True)
            if _token_kind(product_name(f.split()[0])) != "allow" and not low.startswith("edition ")
        )
        return kept, software
    return software, software


_ENGINE_WORDS = re.compile(r"\bkhtml\b|\blike gecko\b", re.IGNORECASE)


def _compatible_browser(parts, lower):
    if not COMPATIBLE_BROWSER_ANYWHERE.search(lower):
        return False  # one search instead of reading every comment field
    return any(
        COMPATIBLE_BROWSER_NAME.match(field.lower())
        for part in parts
        if part.kind == "comment"
        for field in part.fields
    )
