import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from analytics.clicks.devices import describe_user_agent
from analytics.models import Click
from links.models import Campaign, Client, Link, LinkTag, Tag

EMPTY_PANEL = "No human clicks in this range."
NO_BOTS = "No bot clicks in this range."


def counts():
    return [m.objects.count() for m in (Client, Campaign, Link, Tag, LinkTag, Click)]


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


def test_seed_demo_loads_humans_and_bots_and_is_idempotent(demo):
    first = counts()
    assert all(first), first
    assert Click.objects.filter(is_bot=True).exists()
    assert Click.objects.filter(is_bot=False).exists()
    call_command("seed_demo", verbosity=0)
    assert counts() == first


def report_pages():
    return (
        [f"/dashboard/links/{pk}/" for pk in Link.objects.values_list("pk", flat=True)]
        + [f"/dashboard/clients/{pk}/" for pk in Client.objects.values_list("pk", flat=True)]
        + [f"/dashboard/campaigns/{pk}/" for pk in Campaign.objects.values_list("pk", flat=True)]
    )


def test_a_first_look_at_any_demo_report_shows_every_panel_filled(demo, admin_client):
    pages = report_pages()
    assert len(pages) == Link.objects.count() + Client.objects.count() + Campaign.objects.count()
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        assert EMPTY_PANEL not in response.text, page
        assert NO_BOTS not in response.text, page
        figures = response.context["figures"]
        for dimension, _label, rows in figures["breakdowns"]:
            # Values, not only "(unknown)".
            assert any(value is not None for value, _count in rows), (page, dimension)


@pytest.mark.parametrize("field", ["country", "city", "browser", "os", "device_type", "referrer"])
def test_every_demo_link_has_several_known_values_of_each_dimension(demo, field):
    known = (
        Click.objects.filter(is_bot=False)
        .exclude(**{f"{field}__isnull": True})
        .values("link")
        .annotate(n=Count(field, distinct=True))
    )
    per_link = {row["link"]: row["n"] for row in known}
    assert set(per_link) == set(Link.objects.values_list("pk", flat=True))
    assert min(per_link.values()) >= 2, per_link


def test_demo_browser_os_and_device_are_what_the_parser_says_of_each_user_agent(demo):
    rows = Click.objects.values_list("user_agent", "browser", "os", "device_type").distinct()
    assert len(rows) > 10
    for user_agent, *stored in rows:
        assert tuple(stored) == describe_user_agent(user_agent), user_agent
    humans = set(Click.objects.filter(is_bot=False).values_list("device_type", flat=True))
    assert {"mobile", "desktop", "tablet"} <= humans


def test_demo_verdicts_are_the_bot_rules_own_and_every_bot_has_a_reason(demo):
    out = io.StringIO()
    call_command("reclassify_clicks", "--dry-run", stdout=out)
    assert "0 human->bot, 0 bot->human, 0 with new reasons only" in out.getvalue()
    assert not Click.objects.filter(is_bot=True, bot_reason__isnull=True).exists()
    decisive = Counter(
        reason.split(",")[0]
        for reason in Click.objects.filter(is_bot=True).values_list("bot_reason", flat=True)
    )
    # Crawlers, link previews, scripts, a headless browser, HEAD, prefetch, header checks.
    families = {code.split(":")[0] for code in decisive}
    assert len(decisive) >= 6 and {"ua", "method", "request", "headers"} <= families, decisive
    bot_share = Click.objects.filter(is_bot=True).count() / Click.objects.count()
    assert 0.03 < bot_share < 0.2


def test_demo_clicks_cover_the_last_weeks_with_a_daily_rhythm(demo):
    now = timezone.now()
    stamps = list(Click.objects.filter(is_bot=False).values_list("timestamp", flat=True))
    assert max(stamps) <= now
    days = {timezone.localdate(stamp) for stamp in stamps}
    assert len(days) >= 35
    assert min(stamps) >= now - timedelta(days=42)
    hours = Counter(timezone.localtime(stamp).hour for stamp in stamps)
    evening = sum(hours[h] for h in (19, 20, 21))
    night = sum(hours[h] for h in (2, 3, 4))
    assert evening > 4 * night > 0


def test_seed_demo_makes_the_same_clicks_every_time(db, time_machine):
    time_machine.move_to(timezone.now(), tick=False)

    def seeded():
        call_command("seed_demo", verbosity=0)
        rows = Click.objects.order_by("id").values_list(
            "id", "link__short_code", "timestamp", "user_agent", "referrer", "city", "bot_reason"
        )
        return list(rows)

    first = seeded()
    Click.objects.all().delete()
    assert seeded() == first
