"""The human-click rule (analytics.models.HUMAN, Click.is_human): the link admin's counts,
the daily rollups and the click admin all count the clicks it calls human."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from analytics.models import BOT, Click, DailyLinkClicks
from analytics.tests.factories import ClickFactory
from links.tests.factories import LinkFactory


@pytest.fixture
def clicks(db):
    link = LinkFactory(short_code="Count01")
    yesterday = timezone.now() - timedelta(days=1)
    ClickFactory.create_batch(3, link=link, timestamp=yesterday)
    ClickFactory.create_batch(2, link=link, timestamp=yesterday, is_bot=True, bot_reason="ua:x")
    return link


def test_humans_and_bots_split_the_clicks(clicks):
    humans, bots = Click.objects.humans(), Click.objects.filter(BOT)
    assert (humans.count(), bots.count()) == (3, 2)
    assert all(click.is_human for click in humans)
    assert not any(click.is_human for click in bots)


def test_the_rollup_counts_the_same_humans(clicks):
    call_command("rollup_clicks", "--all", stdout=StringIO())
    row = DailyLinkClicks.objects.get(link=clicks)
    assert (row.humans, row.bots) == (3, 2)


def test_the_admin_lists_count_the_same_humans(admin_client, clicks):
    links = admin_client.get(reverse("admin:links_link_changelist"))
    link = links.context["cl"].result_list[0]
    assert (link.human_clicks, link.bot_clicks) == (3, 2)
    listed = admin_client.get(reverse("admin:analytics_click_changelist")).text
    assert listed.count('alt="True"') == 3 and listed.count('alt="False"') == 2
