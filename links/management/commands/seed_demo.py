"""Demo data for a first look: a few clients, campaigns, tagged links and six weeks of clicks.

Each demo click is a visit as a browser or a bot sends it (user agent, request headers,
method, referrer) recorded by the product's own code (`analytics.clicks.tracking`: the client IP
rule, browser / OS / device parsing and the bot verdict), so every report panel has values
and every stored verdict is the one the redirect would have stored. Only the place is
seeded directly, since the quick start has no GeoIP database. Clicks follow a daily and
weekly rhythm over the last weeks, up to now.

Deterministic (a seeded random, times relative to now) and idempotent: every row is found
by its natural key (email, name, short code) before it is created, and a link's clicks are
only added while it has none.
"""

import dataclasses
import random
import uuid
from datetime import UTC, datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from analytics.clicks import loader
from analytics.clicks.visit import Visit
from analytics.models import Click
from links.models import Campaign, Client, Link, LinkTag, Tag

DAYS = 42

DEMO = [
    # client, campaign (or None), short code, name, destination, tags
    (
        "Café Aroma",
        "Summer 2026",
        "aroma-summer",
        "Summer menu",
        "https://example.com/aroma/summer",
        ["summer", "menu"],
    ),
    (
        "Café Aroma",
        "Summer 2026",
        "aroma-ig",
        "Instagram bio",
        "https://example.com/aroma?src=ig",
        ["social"],
    ),
    ("Café Aroma", None, "aroma-home", "Home page", "https://example.com/aroma", []),
    (
        "Banco Buendía",
        "Black Friday",
        "bb-blackfri",
        "Black Friday offer",
        "https://example.org/bb/black-friday",
        ["promo", "summer"],
    ),
    (
        "Banco Buendía",
        "Onboarding",
        "bb-app",
        "App download",
        "https://example.org/bb/app",
        ["app"],
    ),
    (
        "Hotel Macondo",
        "Posters",
        "hm-poster",
        "Lobby poster QR",
        "https://example.net/hotel-macondo",
        ["print", "qr"],
    ),
]
# Per short code: human clicks on an average day, days since it went out, where it was shared.
TRAFFIC = {
    "aroma-summer": (12, DAYS, "social"),
    "aroma-ig": (8, DAYS, "instagram"),
    "aroma-home": (5, DAYS, "search"),
    "bb-blackfri": (20, 21, "social"),
    "bb-app": (6, DAYS, "email"),
    "hm-poster": (4, DAYS, "print"),
}

# Browsers as people use them (weight, user agent, Sec-CH-UA platform for Chromium or None).
BROWSERS = [
    (
        22,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        None,
    ),
    (
        20,
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        "Android",
    ),
    (
        8,
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
        "Android",
    ),
    (
        14,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Windows",
    ),
    (
        5,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Windows",
    ),
    (
        4,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        None,
    ),
    (
        6,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        None,
    ),
    (
        3,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "macOS",
    ),
    (
        1,
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Linux",
    ),
    (
        4,
        "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        None,
    ),
    (
        2,
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Android",
    ),
    (
        2,
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        None,
    ),
    # In-app browsers: a tap in Instagram or Facebook opens the link inside the app.
    (
        6,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/22B83 Instagram 358.0.0.19.95 (iPhone15,3; iOS 18_1; "
        "es_CO; es; scale=3.00; 1290x2796; 654321789)",
        None,
    ),
    (
        4,
        "Mozilla/5.0 (Linux; Android 14; SM-A546E Build/UP1A.231005.007; wv) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.104 Mobile "
        "Safari/537.36 [FB_IAB/FB4A;FBAV/489.0.0.50.108;]",
        None,
    ),
]

# Bots as they arrive (weight, user agent, method, what they send besides the user agent):
# crawlers, chat-app link previews, scripts, a headless browser, a prefetch, a HEAD check
# and a script posing as Chrome without a browser's headers.
BOTS = [
    (5, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "GET", {}),
    (
        2,
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "GET",
        {},
    ),
    (6, "WhatsApp/2.24.24.76 A", "GET", {}),
    (
        4,
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "GET",
        {},
    ),
    (2, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "GET", {}),
    (1, "TelegramBot (like TwitterBot)", "GET", {}),
    (2, "curl/8.5.0", "GET", {"HTTP_ACCEPT": "*/*"}),
    (2, "python-requests/2.32.3", "GET", {"HTTP_ACCEPT": "*/*"}),
    (
        1,
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/131.0.0.0 Safari/537.36",
        "GET",
        {"HTTP_ACCEPT_LANGUAGE": "en-US"},
    ),
    (
        2,
        BROWSERS[3][1],
        "GET",
        {"HTTP_ACCEPT": "text/html"},
    ),
    (1, BROWSERS[0][1], "HEAD", {"HTTP_ACCEPT_LANGUAGE": "es-CO"}),
    (
        1,
        BROWSERS[1][1],
        "GET",
        {"HTTP_ACCEPT_LANGUAGE": "es-CO", "HTTP_SEC_PURPOSE": "prefetch;prerender"},
    ),
]
BOT_SHARE = 0.1

# Where people click from (weight, country, city); None: GeoIP did not know.
LOCAL = [
    (30, "CO", "Bogotá"),
    (14, "CO", "Medellín"),
    (8, "CO", "Cali"),
    (6, "CO", "Barranquilla"),
    (5, "CO", "Cartagena"),
    (3, "CO", None),
    (4, "MX", "Mexico City"),
    (4, "US", "Miami"),
    (2, "US", "New York"),
    (3, "ES", "Madrid"),
    (1, "PA", "Panama City"),
    (3, None, None),
]
TOURISTS = [
    (12, "CO", "Bogotá"),
    (10, "CO", "Cartagena"),
    (8, "US", "New York"),
    (6, "US", "Miami"),
    (6, "ES", "Madrid"),
    (4, "GB", "London"),
    (4, "DE", "Berlin"),
    (3, "FR", "Paris"),
    (2, "NL", "Amsterdam"),
    (3, None, None),
]
PLACES = {"Hotel Macondo": TOURISTS}

# Referrers of human clicks by where a link was shared (None: typed, scanned or an app that
# sends none).
REFERRERS = {
    "social": [
        (30, "https://l.instagram.com/"),
        (12, "https://www.instagram.com/"),
        (18, "https://m.facebook.com/"),
        (8, "https://l.facebook.com/"),
        (5, "https://t.co/"),
        (10, "https://www.google.com/"),
        (30, None),
    ],
    "instagram": [(60, "https://l.instagram.com/"), (15, "https://www.instagram.com/"), (25, None)],
    "search": [
        (45, "https://www.google.com/"),
        (10, "https://www.google.com.co/"),
        (5, "https://www.bing.com/"),
        (5, "https://duckduckgo.com/"),
        (35, None),
    ],
    "email": [
        (30, "android-app://com.google.android.gm/"),
        (15, "https://mail.google.com/"),
        (10, "https://outlook.live.com/"),
        (10, "https://www.linkedin.com/"),
        (35, None),
    ],
    "print": [(80, None), (12, "https://www.google.com/"), (8, "https://www.instagram.com/")],
}

# Monday to Sunday, and local hours 0–23: evenings and weekends are busier.
WEEKDAY = [0.9, 0.95, 1.0, 1.05, 1.2, 1.35, 1.1]
HOURS = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 12, 12, 10, 9, 9, 10, 12, 14, 14, 11, 7, 3]


class Command(BaseCommand):
    help = "Load demo clients, campaigns, tagged links and clicks (safe to run twice)."

    def handle(self, *args, **options):
        rng = random.Random(1967)
        created = {"links": 0, "clicks": 0}
        now = timezone.now()
        with transaction.atomic():
            owner, _ = User.objects.get_or_create(
                email="demo@macondo.example", defaults={"name": "Demo Staff"}
            )
            for client_name, campaign_name, code, name, url, tag_names in DEMO:
                # Found by the names rule: a client renamed "ACME" is still the demo's "Acme".
                client = Client.objects.named(client_name).first() or Client.objects.create(
                    name=client_name
                )
                campaign = None
                if campaign_name:
                    campaign = Campaign.objects.named(
                        client, campaign_name
                    ).first() or Campaign.objects.create(client=client, name=campaign_name)
                link, was_created = Link.objects.get_or_create(
                    short_code=code,
                    defaults={
                        "name": name,
                        "original_url": url,
                        "client": client,
                        "campaign": campaign,
                        "user": owner,
                    },
                )
                created["links"] += was_created
                for tag_name in tag_names:
                    tag, _ = Tag.objects.get_or_create(name=tag_name)
                    LinkTag.objects.get_or_create(link=link, tag=tag)
                if not link.clicks.exists():
                    traffic = TRAFFIC[code]
                    clicks = list(demo_clicks(link, client_name, *traffic, rng=rng, now=now))
                    Click.objects.bulk_create(clicks, batch_size=500)
                    created["clicks"] += len(clicks)
        self.stdout.write(
            f"Demo data ready: {created['links']} links and {created['clicks']} clicks added "
            f"({Link.objects.count()} links, {Click.objects.count()} clicks in total)."
        )


def demo_clicks(link, client_name, daily, since_days, shared_on, *, rng, now):
    """The clicks of one link over its last `since_days` days, oldest first: requests a
    browser or a bot would send, completed by the product's own loader (browser, OS, device,
    verdict), with a plausible place instead of a GeoIP answer."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    places = PLACES.get(client_name, LOCAL)
    visits, where = [], []
    for days_ago in range(since_days - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        # A campaign starts slowly, then settles; any day may be a little off.
        ramp = min(1.0, 0.4 + (since_days - days_ago) / 10)
        expected = daily * WEEKDAY[day.weekday()] * ramp * rng.uniform(0.7, 1.3)
        humans = round(expected)
        bots = sum(rng.random() < BOT_SHARE for _ in range(max(humans, 3)))
        midnight = datetime.combine(day, time.min, tzinfo=tz)
        for is_bot in [False] * humans + [True] * bots:
            hour = rng.randrange(24) if is_bot else rng.choices(range(24), weights=HOURS)[0]
            moment = midnight + timedelta(hours=hour, seconds=rng.randrange(3600))
            if moment > now:
                continue
            meta = _bot_request(rng) if is_bot else _browser_request(rng, shared_on)
            meta["REMOTE_ADDR"] = f"{rng.choice(['203.0.113', '198.51.100'])}.{rng.randint(1, 254)}"
            where.append(_pick(rng, [(w, (c, t)) for w, c, t in places]))
            visit = Visit.from_environ(meta, link.pk)
            visits.append(
                dataclasses.replace(
                    visit,
                    id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    timestamp=moment.astimezone(UTC),
                )
            )
    names = [field.attname for field in loader.FIELDS]
    for row, (country, city) in zip(loader.rows(visits), where, strict=True):
        yield Click(**{**dict(zip(names, row, strict=True)), "country": country, "city": city})


def _pick(rng, weighted):
    """One value of [(weight, value)]."""
    weights, values = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _browser_request(rng, shared_on):
    """What a browser sends when a person follows the link."""
    agent, platform = _pick(rng, [(w, (a, p)) for w, a, p in BROWSERS])
    meta = {
        "REQUEST_METHOD": "GET",
        "HTTP_USER_AGENT": agent,
        "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "HTTP_ACCEPT_LANGUAGE": rng.choice(
            ["es-CO,es;q=0.9", "es-419,es;q=0.9,en;q=0.8", "en-US,en;q=0.9"]
        ),
        "HTTP_SEC_FETCH_SITE": "cross-site",
        "HTTP_SEC_FETCH_MODE": "navigate",
        "HTTP_SEC_FETCH_DEST": "document",
    }
    if platform:  # Chromium browsers send client hints
        meta["HTTP_SEC_CH_UA"] = '"Chromium";v="131", "Not_A Brand";v="24"'
        meta["HTTP_SEC_CH_UA_MOBILE"] = "?1" if "Mobile" in agent else "?0"
        meta["HTTP_SEC_CH_UA_PLATFORM"] = f'"{platform}"'
    referrer = _pick(rng, REFERRERS[shared_on])
    if referrer:
        meta["HTTP_REFERER"] = referrer
    return meta


def _bot_request(rng):
    agent, method, headers = _pick(rng, [(w, (a, m, h)) for w, a, m, h in BOTS])
    return {"REQUEST_METHOD": method, "HTTP_USER_AGENT": agent, **headers}
