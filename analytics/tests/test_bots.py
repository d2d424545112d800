import pytest

from analytics.bots import Verdict, judge
from analytics.geo import Location
from analytics.visit import Visit

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID_WEBVIEW = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36"
)
# What a real Chrome sends on a top-level navigation over HTTPS.
CHROME_HEADERS = {
    "accept": "text/html,application/xhtml+xml",
    "accept-language": "en-GB,en;q=0.9",
    "sec-fetch-site": "none",
    "sec-fetch-mode": "navigate",
    "sec-fetch-dest": "document",
    "sec-fetch-user": "?1",
    "sec-ch-ua": '"Chromium";v="131", "Google Chrome";v="131", "Not_A Brand";v="24"',
    "sec-ch-ua-mobile": "?0",
    "sec-ch-ua-platform": '"Windows"',
}
SAFARI_HEADERS = {"accept": "text/html", "accept-language": "en-GB"}

HUMANS = {
    "Chrome (Windows)": CHROME,
    "Edge": CHROME + " Edg/131.0.0.0",
    "Opera": CHROME + " OPR/115.0.0.0",
    "Firefox (Linux)": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Firefox (Android)": "Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0",
    "Safari (Mac)": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
    ),
    "Safari (iPhone)": SAFARI_IPHONE,
    "Chrome (iPhone)": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1"
    ),
    "Samsung Internet": (
        "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
    ),
    "Instagram in-app (iPhone)": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Instagram 337.0.3.23.54 (iPhone14,5; iOS 17_5; "
        "en_US; en; scale=3.00; 1170x2532; 615307869)"
    ),
    "Instagram in-app (Android)": (
        "Mozilla/5.0 (Linux; Android 15; CPH2557 Build/AP3A.240617.008; wv) AppleWebKit/537.36"
        " (KHTML, like Gecko) Version/4.0 Chrome/142.0.7444.142 Mobile Safari/537.36 "
        "Instagram 406.0.0.58.159 Android (35/15; 480dpi; 1080x2400; OPPO; CPH2557; OP573DL1;"
        " mt6833; en_MY; 822918295; IABMV/1) NV/1"
    ),
    "Facebook in-app (iPhone)": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/468.0.0.52.107;FBBV/620006391;"
        "FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]"
    ),
    "Facebook in-app (Android)": ANDROID_WEBVIEW + " [FB_IAB/FB4A;FBAV/428.0.0.26.108;]",
    "Facebook in-app (MetaIAB)": ANDROID_WEBVIEW + " MetaIAB Facebook",
    "Messenger in-app": ANDROID_WEBVIEW + " [FB_IAB/Orca-Android;FBAV/441.0.0.21.110;]",
    "WhatsApp in-app": ANDROID_WEBVIEW + " WhatsApp/2.24.10.85 A",
    "Viber in-app": ANDROID_WEBVIEW + " Viber/21.6.0.0",
    "TikTok in-app": ANDROID_WEBVIEW + " musical_ly_2023405030 BytedanceWebview/d8a21c6",
    "LinkedIn in-app": ANDROID_WEBVIEW + " LinkedInApp/4.1.962",
    "Twitter in-app": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Twitter for iPhone/10.48"
    ),
    "Snapchat in-app": ANDROID_WEBVIEW + " Snapchat/12.60.0.45 (SM-G998B; Android 13; gzip; )",
    "Pinterest in-app": ANDROID_WEBVIEW + " [Pinterest/Android]",
    "LINE in-app": ANDROID_WEBVIEW + " Line/13.21.1/IAB",
    "Google app": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) GSA/320.0.642154451 Mobile/15E148 Safari/604.1"
    ),
    "Android app HTTP stack": "Dalvik/2.1.0 (Linux; U; Android 11; SM-A515F Build/RP1A.200720)",
    "UC Browser (feature phone)": (
        "UCWEB/2.0 (MIDP-2.0; U; Adr 4.4.2; en-US; Micromax_A104) U2/1.0.0 "
        "UCBrowser/10.7.2.757 U2/1.0.0 Mobile"
    ),
    "iOS media player": (
        "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)"
    ),
    "iOS app HTTP stack": "Podcasts/1.0 CFNetwork/1494.0.7 Darwin/23.4.0",
    "Links (text browser)": "Links (2.29; Linux 6.1.0-13-amd64 x86_64; GNU C 12.2; text)",
    "w3m (text browser)": "w3m/0.5.3+git20230121",
    "ELinks (text browser)": "ELinks/0.13.2 (textmode; Linux 6.1 x86_64; 200x50-2)",
    "Device name containing 'bot'": (
        "Mozilla/5.0 (Linux; Android 7.0; CUBOT CHEETAH 2 Build/NRD90M) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/58.0.3029.83 Mobile Safari/537.36"
    ),
}

BOTS = {
    # family: (user agent, reason)
    "search engine": ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "ua:crawler"),
    "search engine, smartphone": (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML,"
        " like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html)",
        "ua:crawler",
    ),
    "Bing": ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "ua:crawler"),
    "SEO": ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "ua:crawler"),
    "AI crawler": ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", "ua:crawler"),
    "AI assistant": ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot", "ua:crawler"),
    "feed reader": ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers)", "ua:crawler"),
    "monitor": ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "ua:crawler"),
    "unknown service": ("Acme Catalog Sync/2.3", "ua:not-browser"),
    "Facebook preview": ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "ua:preview"),
    "WhatsApp preview (Android)": ("WhatsApp/2.23.20.0 A", "ua:preview"),
    "WhatsApp preview (iPhone)": ("WhatsApp/2.2329.9 i", "ua:preview"),
    "Slack preview": ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "ua:preview"),
    "Twitter preview": ("Twitterbot/1.0", "ua:preview"),
    "Telegram preview": ("TelegramBot (like TwitterBot)", "ua:preview"),
    "Discord preview": ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "ua:preview"),
    "LinkedIn preview": ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", "ua:preview"),
    "Skype/Teams preview": ("Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com", "ua:preview"),
    "Pinterest preview": ("Pinterestbot/1.0 (+http://www.pinterest.com/bot.html)", "ua:preview"),
    "Reddit preview": ("Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)", "ua:preview"),
    "Viber preview": ("Viber", "ua:preview"),
    "iframely": ("Iframely/1.3.1 (+https://iframely.com/docs/about) Atlas", "ua:preview"),
    "Mastodon preview": ("http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)", "ua:preview"),
    "Bluesky preview": ("Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)", "ua:preview"),
    "headless Chrome": (CHROME.replace("Chrome/", "HeadlessChrome/"), "ua:headless"),
    "PhantomJS": ("Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1", "ua:headless"),
    "Selenium": (CHROME + "; Selenium", "ua:headless"),
    "Puppeteer": (CHROME + " Puppeteer", "ua:headless"),
    "Playwright": (CHROME + " Playwright/1.40.0", "ua:headless"),
    "curl": ("curl/8.4.0", "ua:http-client"),
    "wget": ("Wget/1.21.4", "ua:http-client"),
    "python-requests": ("python-requests/2.32.3", "ua:http-client"),
    "python urllib": ("Python-urllib/3.11", "ua:http-client"),
    "aiohttp": ("Python/3.11 aiohttp/3.9.5", "ua:http-client"),
    "httpx": ("python-httpx/0.27.0", "ua:http-client"),
    "Go": ("Go-http-client/2.0", "ua:http-client"),
    "okhttp": ("okhttp/4.12.0", "ua:http-client"),
    "axios": ("axios/1.7.2", "ua:http-client"),
    "node-fetch": ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "ua:http-client"),
    "node (undici)": ("node", "ua:http-client"),
    "Java": ("Java/17.0.2", "ua:http-client"),
    "Apache HttpClient": ("Apache-HttpClient/4.5.14 (Java/17.0.8)", "ua:http-client"),
    "Perl": ("libwww-perl/6.72", "ua:http-client"),
    "Postman": ("PostmanRuntime/7.39.0", "ua:http-client"),
    "Ruby": ("Ruby", "ua:http-client"),
    "PHP Guzzle": ("GuzzleHttp/7", "ua:http-client"),
    "PowerShell": ("Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.2506", "ua:http-client"),
}  # fmt: skip


@pytest.mark.parametrize("user_agent", HUMANS.values(), ids=HUMANS.keys())
def test_browsers_and_in_app_browsers_are_human(user_agent):
    verdict = judge(Visit(user_agent=user_agent))
    assert verdict == Verdict(is_bot=False)
    assert verdict.bot_reason is None


@pytest.mark.parametrize(("user_agent", "reason"), BOTS.values(), ids=BOTS.keys())
def test_each_bot_family_is_a_bot_with_its_reason(user_agent, reason):
    verdict = judge(Visit(user_agent=user_agent))
    assert verdict.is_bot
    assert verdict.reasons == (reason,)
    assert verdict.score == 100
    assert verdict.bot_reason == reason


@pytest.mark.parametrize(
    ("visitor", "reason"),
    [
        (Visit(user_agent=""), "ua:empty"),
        (Visit(user_agent="   "), "ua:empty"),
        (Visit(user_agent=None), "ua:empty"),
        (Visit(user_agent=CHROME, method="HEAD"), "method:head"),
        (Visit(user_agent=CHROME, method="head"), "method:head"),
    ],
)
def test_empty_user_agents_and_head_requests_are_bots(visitor, reason):
    verdict = judge(visitor)
    assert verdict.is_bot
    assert verdict.reasons == (reason,)


def test_every_fired_code_is_stored_decisive_ones_first():
    verdict = judge(Visit(user_agent="curl/8.4.0", method="HEAD"), Location(asn_number=16509))
    assert verdict.reasons == ("ua:http-client", "method:head", "net:datacenter")
    assert verdict.bot_reason == "ua:http-client,method:head,net:datacenter"


def test_a_huge_user_agent_is_malformed_and_costs_no_more_than_a_normal_one():
    verdict = judge(Visit(user_agent=CHROME + " x" * 10_000))  # ~20 KB
    assert verdict.is_bot
    assert verdict.reasons == ("ua:malformed",)


def test_a_huge_crawler_user_agent_keeps_its_family():
    verdict = judge(Visit(user_agent="Googlebot/2.1 " + "a" * 20_000))
    assert verdict.reasons == ("ua:malformed", "ua:crawler")


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 \x00\x01\x02 (Windows NT 10.0)",
        "Mozilla/5.0 (Windows NT 10.0) \udcff\udcfe",  # bytes kept by surrogateescape
        "Mozilla/5.0 (Windows NT 10.0) \ufffd\ufffd",  # bytes replaced by a decoder
        b"Mozilla/5.0 (Windows NT 10.0) \xff\xfe\xfa".decode("latin-1"),  # as WSGI hands it
    ],
    ids=["control characters", "surrogate escapes", "replacement characters", "latin-1"],
)
def test_a_binary_user_agent_is_malformed(user_agent):
    verdict = judge(Visit(user_agent=user_agent))
    assert verdict.is_bot
    assert verdict.reasons[0] == "ua:malformed"


def test_a_utf8_device_name_as_wsgi_hands_it_is_not_malformed():
    user_agent = (
        "Mozilla/5.0 (Linux; Android 10; 华为 P30) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36"
    )
    assert not judge(Visit(user_agent=user_agent.encode().decode("latin-1"))).is_bot
    assert not judge(Visit(user_agent=user_agent)).is_bot


def test_bot_reason_never_exceeds_its_column():
    verdict = Verdict(True, tuple(f"code:{n:03}" for n in range(40)), 100)
    assert len(verdict.bot_reason) <= 200
    assert verdict.bot_reason.endswith(("code:021", "code:022", "code:023", "code:024"))
