"""The words and patterns the user-agent rules read.

What names a scanner, a headless browser, a monitor, an HTTP client, a preview fetcher, one of
Google's agents or a crawler (read by `analytics.verdicts.ua_rules`, in its order), and what
names a browser, an engine, a platform or an allow-listed app (read by
`analytics.verdicts.ua_identity` to find the text that names an agent's software).
"""

import re

from analytics.verdicts.patterns import PrintableFastRegex, ScreenSet

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


# Products whose comment describes the device: HbbTV's "(<caps>;<vendor>;<model>;<sw>;…)".
DEVICE_PRODUCTS = frozenset(["hbbtv", "ce-html", "smarttv", "smart-tv"])
