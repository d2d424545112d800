"""What a user-agent string alone says: a bot family and the rule that decided, or human.

`Rules.decide(user_agent)` returns a `Decision`: the family (the stored `ua:*` code, None
for a human), the rule's stable code and the token that decided (`classify_ua --explain`).
The rules run in the order of RULES below; the first that fires decides.

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

from analytics.verdicts.patterns import PrintableFastRegex, ScreenSet, any_of
from analytics.verdicts.ua_tokens import Part, split

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

# Payloads and scanner names: SQL, template and shell injection, out-of-band test domains.
SCANNER = re.compile(
    r"\$\{jndi:|\$\{[a-z]+:|<script|\(\)\s*\{\s*:;\s*\}|\.\./\.\./|/etc/passwd"
    r"|\b(?:union(?:\s+all)?\s+select|waitfor\s+delay|sleep\s*\(\s*\d|benchmark\s*\(\d"
    r"|pg_sleep|dbms_pipe)"
    r"|'\s*(?:or|and)\s+'?\d*'?\s*=|'\s*and\s+sleep"
    r"|\.(?:interact\.sh|oast\.(?:fun|pro|live|site|online|me)|oastify\.com"
    r"|burpcollaborator\.net|dnslog\.cn|ceye\.io|canarytokens\.com)"
    r"|[a-z0-9]scan(?:ner|s)?\b|\bscanner\b|\bonlyscans\b|\bsqlmap\b|\bnikto\b|\bnuclei\b"
    r"|\bzgrab\b|\bmasscan\b|\bnmap\b|acunetix|\bcensysinspect\b|\bodin;|netsparker|qualys"
    # vulnerability scanners and attack-surface surveys by name
    r"|detectify|\btenable|\bnessus|openvas|\bowasp\b|\bzap/|probely|hostedscan|pentest-tools"
    r"|\binvicti|\barachni|\bw3af\b|\bwapiti|skipfish|dirbuster|gobuster|\bffuf\b|\bwfuzz"
    r"|\bshodan|leakix|\bl9explore|\bl9tcpid|internet-measurement|stretchoid|\bbitsight"
    r"|securityscorecard|\briskiq|\bupguard|immuniweb|hardenize|ssllabs|sucuri"
    r"|palo ?alto networks|\bxpanse\b|\bintrigue\b|\bmodat\b"
    # malware and certificate checks of a site: security vendors' fetchers
    r"|\bquttera|virustotal|wordfence|\bsectigo\b"
)
HEADLESS = re.compile(
    r"headless|phantomjs|slimerjs|selenium|webdriver|puppeteer|playwright|htmlunit|jsdom"
    r"|lightpanda|cypress"
)
# HTTP client libraries and command-line tools, as the first product token.
HTTP_CLIENT = re.compile(
    r"^(?:curl|wget|python-requests|python-urllib|python-httpx|python/[\d.]+ aiohttp|aiohttp"
    r"|httpx|go-http-client|okhttp|axios|node-fetch|node|undici|got|java|apache-httpclient"
    r"|libwww-perl|lwp::simple|postmanruntime|insomnia|httpie|ruby|faraday|rest-client"
    r"|guzzlehttp|php|winhttp|dart|reqwest|deno|bun|powershell"
    # Windows' own background services: downloads, certificate and connectivity checks
    r"|microsoft bits|microsoft-cryptoapi|microsoft-delivery-optimization|microsoft-wns"
    r"|microsoft ncsi|windows-update-agent)(?:[/ ;(]|$)"
    r"|\b(?:windows)?powershell/"
)
# Synthetic monitoring and uptime services, read anywhere (some write in the KHTML comment).
MONITOR = re.compile(
    r"synthetic|uptime|\bmonitoring\b|site24x7|statuscake|pingdom|catchpoint|dejaclick"
    r"|gomezagent|\bptst\b|thousandeyes|dmbrowser|checkly|freshping|hetrix|monitis|alertsite"
    r"|\bzabbix\b|nodeping|sitescope|\boh dear\b|dynatrace/|\bprtg\b|monitor/|appinsights"
    r"|neustar wpm"
    # health checks of load balancers and orchestrators, uptime and synthetic services
    r"|uptrends|dotcom-monitor|\bapica|\brigor\b|sematext|heartbeat/|alertra|watchmouse"
    r"|panopta|logicmonitor|appbeat|hyperping|cronitor|health-?checks?\b|healthchecker"
    r"|montastic|host-tracker|updown\.io|blackbox.exporter|kube-probe|googlehc/"
    r"|route ?53-health|\bnagios|check_http|\bicinga|newrelicpinger|appdynamics|datadog"
    # page-speed and uptime services that append their name to a browser's agent
    r"|speedcurve|pulsetic|internetvista|\bwormly|contentking"
)
# Link-preview fetchers: the app fetches the page to draw a card, no person has clicked yet.
PREVIEW = re.compile(
    r"facebookexternalhit|facebookcatalog|facebot|whatsapp|slackbot|slack-imgproxy|twitterbot"
    r"|telegrambot|discordbot|linkedinbot|skypeuripreview|redditbot|pinterestbot|vkshare"
    r"|viber|iframely|embedly|snap url preview|cardyb|mastodon|microsoftpreview"
    r"|google-pagerenderer|kakaotalk-scrap|line-poker"
)
# Google's agents other than Googlebot are named "Google-Xxx" or glue "Google" to a word.
GOOGLE_AGENT = re.compile(
    r"\bgoogle-(?:[abd-rt-z]|c[a-gi-z]|s[a-jl-z]|t[a-qs-z])|googleweblight|google favicon|googleother|googleproducer"
    r"|googledocs|appengine-google|google web preview|\bgoogle \(\+https?:"
)
# Crawlers both maintained lists miss, each seen in the corpora (docs/bot-verdicts.md).
OWN_CRAWLERS = re.compile(
    r"\b(?:sparkler|squider|evaliant|dataprovider\.com|qwantify|abonti|seoptimer|woorank)\b"
)
# A self-declared robot: a word ending in bot / crawler / spider / scraper, a URL, an e-mail.
SELF_DECLARED = re.compile(
    r"(?:bot|crawler|spider|scraper)\b|\+https?://|[a-z0-9._-]+@[a-z0-9-]+\.[a-z]{2,}"
)
# A domain name of its own ("(via babelfish.yahoo.com)", "stumbleupon.com"); not read in a
# platform comment, where Internet Explorer showed its ISP's ("Supplied by Tesco.net").
DOMAIN = re.compile(
    r"(?:^|[\s;(])(?:[a-z0-9-]+\.)*[a-z0-9-]{2,}\.(?:com|net|org|io|co|ru|de|fr|cz|ai|app|dev"
    r"|info)(?:$|[\s;)/])"
)
# What tools call themselves: the end of a product's name.
TOOL_NAME = (
    r"(?:^|[a-z0-9_-])(?:crawler|spider|scanner|fetcher|checker|inspector|detector|analy[sz]er"
    r"|auditor|harvester|scraper|snapshotter|screenshotter|thumbnailer|validator|archiver"
    r"|indexer|extractor|audittool)$"
    # Short endings only after a longer name: "CybaaAgent", not "Agent".
    r"|[a-z0-9]{3}(?:agent|bot|lookup|finder|tester|watcher|prober?|collector|health"
    r"|measurement)$"
)
TOOL_NAME_WORD = re.compile(TOOL_NAME)
# Every own rule that reads the agent's text, as one RE2 expression over the whole agent in
# lower case: most browsers match none of them, and one call is cheaper than ten (each rule
# reads a part of the agent, so this only tells which agents to read rule by rule).
SCREEN = ScreenSet(
    [
        pattern.pattern
        for pattern in (
            SCANNER,
            HEADLESS,
            MONITOR,
            HTTP_CLIENT,
            PREVIEW,
            GOOGLE_AGENT,
            OWN_CRAWLERS,
            SELF_DECLARED,
        )
    ]
    + [
        # The identity joins fields with spaces: a domain or a tool's name after a comma or
        # a bracket in the agent stands after a space there.
        DOMAIN.pattern.replace("[\\s;(]", "[\\s;(,\\[]").replace("[\\s;)/]", "[\\s;)/,\\]]"),
        TOOL_NAME.replace("$", "(?:$|[/\\s;,()\\[\\]])").replace("(?:^|", "(?:^|[\\s;,(\\[]|"),
    ]
)
(
    AT_SCANNER,
    AT_HEADLESS,
    AT_MONITOR,
    AT_HTTP_CLIENT,
    AT_PREVIEW,
    AT_GOOGLE_AGENT,
    AT_OWN_CRAWLERS,
    AT_SELF_DECLARED,
    AT_DOMAIN,
    AT_TOOL_NAME,
) = range(10)
# The rules read rule by rule, in RE2 on printable ASCII (most of a bot's verdict cost in
# `re`, the screen above having said that one of them fires).
SCANNER, MONITOR, HTTP_CLIENT, PREVIEW, GOOGLE_AGENT, OWN_CRAWLERS, SELF_DECLARED, DOMAIN = (
    PrintableFastRegex(expression)
    for expression in (
        SCANNER,
        MONITOR,
        HTTP_CLIENT,
        PREVIEW,
        GOOGLE_AGENT,
        OWN_CRAWLERS,
        SELF_DECLARED,
        DOMAIN,
    )
)
# Engines and browsers whose presence makes an agent browser-shaped.
ENGINE = re.compile(r"applewebkit/|gecko/|like gecko|presto/|khtml|trident/|goanna/")
# A "compatible;" comment of a browser (old IE, Konqueror, feature phones) is its platform.
COMPATIBLE_BROWSER = PrintableFastRegex(
    re.compile(
        r"msie|konqueror|opera|iemobile|teleca|obigo|polaris|netfront|openwave|blazer|avantgo"
        r"|elaine|\bbrew\b|\bbolt\b|dolfin|jasmine|myriad|novarra|up\.browser|symbian|windows"
        r"|linux|android|mac ?os|iphone|ipad|\bcpu\b|x11|bsd|sunos|palm|blackberry|tizen|kaios"
        r"|mobile|nokia|samsung|\blg\b|sony|ucweb|ucbrowser|browser|macintosh|ppc|omniweb|icab"
        r"|amiga|ibrowse|voyager|aweb|netpositive|beos|haiku|risc ?os|palm|xiino|hotjava"
    )
)
# Something a person's client names: an engine, a browser (incl. feature-phone and text
# browsers), a platform, a device maker, a TV standard, an app's HTTP or media stack.
# Not starting with "Mozilla/" is no evidence either way.
CLIENT_EVIDENCE = re.compile(
    r"mozilla/|opera|webkit|gecko|khtml|presto|trident|msie|midp|cldc|profile/|browser"
    r"|obigo|netfront|up\.(?:browser|link)|ucweb|blackberry|nokia|samsung|sonyericsson"
    r"|symbian|series ?60|dalvik/|cfnetwork/|applecoremedia/|hbbtv|smart-?tv|tizen|webos"
    r"|netcast|android|iphone|ipad|ipod|windows|linux|macintosh|mac os|x11|cros|freebsd"
    r"|kaios|j2me|docomo|kddi|vodafone|semc|wap|maui|^links \(|elinks|w3m|lynx|dillo"
    r"|netsurf|konqueror|midori|epiphany|ce-html|mosaic|sunos|unix|electron/|win32|^[a-z]+-[a-z0-9-]+/[\w.]+ "
    # platforms of browsers older than "Mozilla/" everywhere (Amiga, Palm, BeOS, RISC OS,
    # handheld consoles) and the browsers made for them, Opera's own token, W3C's Amaya
    r"|amiga|palmos|palmsource|\bpalm\b|beos|haiku|risc ?os|nintendo|playstation|\bpsp\b"
    r"|hotjava|ibrowse|voyager|aweb|netpositive|xiino|palmscape|bunjalloo|oregano|fresco"
    r"|^opr/|amaya|arena/|\bcronet"
    # an in-app agent that is only its app's section (Facebook's "[FBAN/FB4A;FBAV/…]")
    r"|^\[(?:fban|fb_iab)/"
)
# A comment field that names software rather than a device: "Name/1.2", a URL, an address.
SOFTWARE_FIELD = re.compile(
    r"^[a-z][\w.!-]*/v?\d[\w.-]*$|https?://|^\+|@[a-z0-9-]+\.[a-z]", re.IGNORECASE
)
# Product names of a platform or engine inside a comment ("Trident/7.0", "rv:…", "Build/…").
PLATFORM_NAMES = frozenset(
    [
        "build",
        "trident",
        "rv",
        "mra58k",
        "kaios",
        "iemobile",
        "windows",
        "android",
        "linux",
        "cpu",
        "macintosh",
        "khtml",
        "gecko",
        "applewebkit",
        "mobile",
        "version",
        "safari",
        "chrome",
        "tablet",
        "touch",
        "u",
        "arm",
    ]
)
# Browser and in-app tokens that override substring hits of the lists (docs/bot-verdicts.md,
# "The allow-list", says why each is here). Matched against a product's lower-cased name.
BROWSER_TOKENS = re.compile(
    r"^(?:mozilla|applewebkit|gecko|version|mobile|safari|chrome|chromium|crios|firefox|fxios"
    r"|edg|edge|edga|edgios|opr|opt|opx|opios|samsungbrowser|ucbrowser|mqqbrowser|tbs"
    r"|miuibrowser|xiaomi|heytapbrowser|huaweibrowser|vivobrowser|quark|silk|crosswalk"
    r"|xweb|presto|trident|khtml|like|opera|lynx|ssl-mm|openssl|gnutls|links|elinks"
    r"|w3m|emacs-w3m|dillo|netsurf|konqueror|midori|dalvik|ucweb|u2|netfront|obigo|profile"
    r"|configuration|hbbtv|ce-html)$"
)
PLAIN_BROWSER_TOKENS = frozenset(
    ["mozilla", "applewebkit", "gecko", "version", "mobile", "safari", "like"]
)
ALLOW_TOKENS = re.compile(
    r"^(?:"
    # search companies' browsers and apps: Yandex, Sogou, Baidu, Coc Coc, Naver, Seznam, …
    r"yabrowser|yowser|yabrowsercorp|yaapp_\w+|yasearchbrowser|yandex[\w.]*|sa|bropp"
    r"|sogoumobilebrowser|sogousearch|sogoumse|metasr|coc_coc_browser|baiduboxapp"
    r"|baidubrowser|searchcraft|sp-engine|nabar|t7|whale|naver|daumapps|daumdevice"
    r"|petalsearch|sznprohlizec|seznam\.cz|duckduckgo|ecosia|qwant|mailru|mrmobile|sputnik"
    r"|gsa|googleapp|yjapp-android|yjapp-ios|jp\.co\.yahoo\.[\w./-]+"
    # in-app browsers of social and messaging apps
    r"|instagram|barcelona|metaiab|facebook|musical_ly\w*|trill\w*|aweme\w*"
    r"|bytedancewebview|jssdk|nettype|channel|appname|app_version|bytelocale|bytefulllocale"
    r"|region|appid|linkedinapp|twitter|twitterandroid|snapchat|line|micromessenger|wechat"
    r"|weixin|windowswechat\S*|mmwebsdk|mmwebid|;?kakaotalk|telegram-android|telegram"
    r"|whatsapp|viber|viberpc|zalo|zalotheme|zalolanguage|weibo|qq|aliapp\S*|alipayclient"
    r"|nebula|kik|discord|reddit|pinterest|blackboard"
    # desktop apps built on Electron or another embedded Chromium
    r"|electron|slack|slack_ssb|sonic|notion|mattermost|code|1password|microsoft|teams"
    r"|figma|obsidian|signal|spotify|typora|trello|linear|postman|zoom|skype|element"
    r"|franz|lark|larklocale|steam|superhuman|qtwebengine|thunderbird|fluid|fluidapp"
    # browsers' own library tokens that a list takes for a crawler's (Lynx's libwww-FM), and
    # tokens browser add-ons and toolbars write into the agent
    r"|libwww-fm|libwww|peoplepal|synapseworkstation[\w.]*|qqdownload|ant\.com|toolbar|stumbleupon"
    r"|web\.de|google-tr-\d+"
    # Chromium's network stack inside apps ("Cronet/88.0…" in the Google app's comment)
    r"|cronet\w*"
    # search companies' apps named by their package id ("ru.yandex.searchplugin/…")
    r"|(?:ru|com)\.yandex\.[\w.-]+|com\.google\.android\.[\w.-]+"
    r")$"
)
# Bracket sections of in-app browsers: Facebook's [FBAN/…], [FB_IAB/…], [Pinterest/iOS].
ALLOW_BRACKET = re.compile(r"^(?:fban|fb_iab|fbav|fb4a|pinterest|linkedinapp)\b", re.I)


# Named tuples, not frozen dataclasses: one is built per never-seen agent, and a frozen
# dataclass's __init__ costs ~1.5 µs (object.__setattr__ per field), a tuple's a fifth of it.
class Decision(NamedTuple):
    family: str | None  # "crawler", "preview", … (stored as "ua:<family>"); None: human
    rule: str  # a code of RULES or HUMAN_RULES
    token: str  # the text that decided

    @property
    def is_bot(self):
        return self.family is not None


def _name(word):
    return word.split("/", 1)[0].lower()


# Clients whose agent does not start with "Mozilla/" but has the same layout: text browsers,
# Android's HTTP stack (its comment names the phone), feature-phone browsers.
# Matched at the start (one `match`), the rest read anywhere (an RE2 search): one `re`
# expression with both scans every position of the agent for the anchored branches too.
OTHER_CLIENTS = re.compile(
    r"(?:opera|lynx|links|elinks|w3m|emacs-w3m|dillo|netsurf|konqueror|midori|dalvik|ucweb"
    r"|hbbtv|[\w-]*mosaic|amaya|arena)[/ (]"
    # an app's own HTTP stack, named by its package id, its comment the phone's platform
    # ("com.google.android.apps.searchlite/3.51 (Linux; U; Android 10; …; Cronet/88.0)")
    r"|(?:com|org|net|ru|jp|cn|tv|io|me|de)\.[\w.-]+/[\w.-]+ \((?:linux; u; android|iphone|ipad"
    r"|ios)"
    # WhatsApp's own HTTP stack names the platform and the device ("WhatsApp/2.17.425
    # Android/7.0 Device/samsung-SM-G930F"); its link-preview fetcher writes only its version
    # and a platform letter ("WhatsApp/2.23.20.0 A"), and stays a preview.
    r"|whatsapp[\w-]*/[\d.]+ (?:android|ios|iphone_os|iphone os)/"
)
OTHER_CLIENTS_ANYWHERE = PrintableFastRegex(
    # Chromium's network stack, also as an app's own build of it ("CronetSnapDevSheldon/1")
    re.compile(r"profile/midp|configuration/cldc|\bcronet(?:[a-z]*/\d|\b)")
)
# Browsers that describe themselves in a "compatible;" comment: old IE, feature phones.
COMPATIBLE_BROWSER_NAME = re.compile(
    r"^(?:msie|konqueror|opera|iemobile|teleca|obigo|polaris|netfront|openwave|blazer"
    r"|avantgo|elaine|dolfin|jasmine|myriad|novarra|up\.browser|icab|omniweb|ucweb|ucbrowser)\b"
)
COMPATIBLE_BROWSER_ANYWHERE = PrintableFastRegex(
    re.compile(COMPATIBLE_BROWSER_NAME.pattern.replace("^(?:", "(?:", 1))
)
# A platform comment that names a phone, tablet, TV or console: its other fields are the
# device's model and build, its carrier, its language.
DEVICE_PLATFORM = PrintableFastRegex(
    re.compile(
        r"android|iphone|ipad|ipod|windows phone|windows ce|iemobile|mobile|tablet|kaios|tizen"
        r"|smart-?tv|symbian|series ?[4689]0|\bs60\b|blackberry|bb10|j2me|midp|maui|webos"
        r"|playstation|nintendo|xbox|armv|hbbtv|brew|opera mini|opera mobi|crkey|linux; u;"
    )
)


class Identity(NamedTuple):
    text: str  # what the rules read
    named: str  # `text` less a desktop platform comment's fields, where IE showed its ISP
    app: str  # the last allow-listed app token left out of both, if any
    browser: str  # the most specific browser token, if any
    browser_shaped: bool
    parts: tuple | None  # the agent split (ua_tokens.split); None: not split (yet)


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
            kind = _product_kind(part.text)
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
            elif "/" not in previous.text or _product_kind(previous.text) == "allow":
                owner = "app"
            else:
                owner = "software"
            read, read_named = _comment_units(part.text, owner, first and not platform_seen)
            platform_seen = True
            units.extend(read)
            named.extend(read_named)
    browser = next(
        (t for t in reversed(browsers) if _name(t) not in PLAIN_BROWSER_TOKENS),
        browsers[-1] if browsers else "",
    )
    apps = apps[-1] if apps else ""
    return Identity(" ".join(units), " ".join(named), apps, browser, True, parts)


@lru_cache(maxsize=4096)
def _product_kind(text):
    """`_token_kind` of a product word ("AppleWebKit/537.36"): the words repeat too."""
    return _token_kind(_name(text))


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
        fields = tuple(f for f in fields if _token_kind(_name(f.split()[0])) != "allow")
        return fields, fields
    # The platform comment, the comment of an app token or bare word ("Instagram
    # 406.0.0.58.159 Android (…; OPPO; CPH2557; …)"), Opera's "(Edition Campaign 34)":
    # only fields that name software are read. A desktop platform names no device: all its
    # fields are read ("Windows NT 6.1; Neustar WPM"); a phone's never are.
    software = tuple(
        f
        for f in fields
        if SOFTWARE_FIELD.search(f)
        and _name(f) not in PLATFORM_NAMES
        and _token_kind(_name(f)) != "allow"
    )
    if platform and owner != "device" and not DEVICE_PLATFORM.search(text.lower()):
        # Less the allow-listed add-ons Internet Explorer listed there ("PeoplePal 6.2") and
        # Opera's distribution partner ("Edition Seznam").
        kept = tuple(
            f
            for f, low in zip(fields, lowered, strict=True)
            if _token_kind(_name(f.split()[0])) != "allow" and not low.startswith("edition ")
        )
        return kept, software
    return software, software


# Products whose comment describes the device: HbbTV's "(<caps>;<vendor>;<model>;<sw>;…)".
DEVICE_PRODUCTS = frozenset(["hbbtv", "ce-html", "smarttv", "smart-tv"])
_ENGINE_WORDS = re.compile(r"\bkhtml\b|\blike gecko\b", re.IGNORECASE)


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
                    if TOOL_NAME_WORD.search(_name(word)):
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


def _compatible_browser(parts, lower):
    if not COMPATIBLE_BROWSER_ANYWHERE.search(lower):
        return False  # one search instead of reading every comment field
    return any(
        COMPATIBLE_BROWSER_NAME.match(field.lower())
        for part in parts
        if part.kind == "comment"
        for field in part.fields
    )


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
    if any(part.kind != "product" or _product_kind(part.text) for part in parts[1:]):
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
