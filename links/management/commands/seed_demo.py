"""Demo data for a first look: a few clients, campaigns, tagged links and clicks.

Idempotent: every row is found by its natural key (email, name, short code) before it is
created, and a link's clicks are only added while it has none.
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from analytics.models import Click
from links.models import Campaign, Client, Link, LinkTag, Tag

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

HUMAN_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
]
BOT_AGENTS = [
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "ua:crawler"),
    ("WhatsApp/2.23.20.0", "ua:preview"),
    ("curl/8.5.0", "ua:http-client"),
]
PLACES = [("GB", "London"), ("SE", "Linköping"), ("US", "Milton"), ("CO", "Bogotá"), (None, None)]


class Command(BaseCommand):
    help = "Load demo clients, campaigns, tagged links and clicks (safe to run twice)."

    def handle(self, *args, **options):
        rng = random.Random(1967)
        created = {"links": 0, "clicks": 0}
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
                    created["clicks"] += self._add_clicks(link, rng)
        self.stdout.write(
            f"Demo data ready: {created['links']} links and {created['clicks']} clicks added "
            f"({Link.objects.count()} links, {Click.objects.count()} clicks in total)."
        )

    def _add_clicks(self, link, rng):
        now = timezone.now()
        clicks = []
        for _ in range(rng.randint(20, 60)):
            country, city = rng.choice(PLACES)
            is_bot = rng.random() < 0.15
            if is_bot:
                agent, reason = rng.choice(BOT_AGENTS)
            else:
                agent, reason = rng.choice(HUMAN_AGENTS), None
            clicks.append(
                Click(
                    link=link,
                    timestamp=now - timedelta(minutes=rng.randint(0, 60 * 24 * 45)),
                    ip_address=f"203.0.113.{rng.randint(1, 254)}",
                    user_agent=agent,
                    country=country,
                    city=city,
                    is_bot=is_bot,
                    bot_reason=reason,
                    referrer=rng.choice(
                        [None, "https://www.instagram.com/", "https://www.google.com/"]
                    ),
                )
            )
        Click.objects.bulk_create(clicks)
        return len(clicks)
