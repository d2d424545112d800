"""Human clicks by channel: QR scans, the destination's utm_source / utm_medium, untagged."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from analytics.models import DailyLinkClicks
from analytics.reports.channels import QR, TAGGED, UNTAGGED, channels
from analytics.reports.periods import Period, Scope, day_start, last_days, watermark
from analytics.tests.factories import ClickFactory
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory
from links.utm import MAX_VALUE_CHARS
from sharing.services import create_share

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def clicks(link, n, days_ago, **fields):
    ClickFactory.create_batch(
        n, link=link, timestamp=NOW - timedelta(days=days_ago, hours=1), **fields
    )


@pytest.fixture
def world(db, frozen):
    """A client's tagged, half-tagged and untagged links; QR scans; bots; another client."""
    acme = ClientFactory(name="Acme")
    summer = CampaignFactory(client=acme, name="Summer")
    social = LinkFactory(
        client=acme,
        campaign=summer,
        original_url="https://shop.example/a?utm_source=facebook&utm_medium=social&x=1",
    )
    newsletter = LinkFactory(
        client=acme, campaign=summer, original_url="https://shop.example/b?utm_source=newsletter"
    )
    plain = LinkFactory(client=acme, original_url="https://shop.example/c")
    other = LinkFactory(original_url="https://elsewhere.example/?utm_source=facebook")
    clicks(social, 3, 3)  # rolled up later
    clicks(social, 1, 0)  # today: always raw
    clicks(social, 2, 3, is_qr=True)
    clicks(social, 1, 0, is_qr=True)
    clicks(social, 2, 3, is_bot=True, bot_reason="ua:bot")
    clicks(social, 1, 3, is_bot=True, bot_reason="ua:bot", is_qr=True)
    clicks(newsletter, 2, 2)
    clicks(plain, 1, 4)
    clicks(plain, 4, 40)  # outside the last 30 days
    clicks(other, 5, 1)
    return {"client": acme, "campaign": summer, "social": social, "plain": plain}


def every_channel(world, period):
    return {
        name: channels(scope, period)
        for name, scope in {
            "client": Scope(client_id=world["client"].pk),
            "campaign": Scope(campaign_id=world["campaign"].pk),
            "link": Scope(link_id=world["social"].pk),
        }.items()
    }


def test_channels_of_a_link_a_campaign_and_a_client(world):
    found = every_channel(world, last_days(30))
    assert found["link"] == [("facebook / social", TAGGED, 4), ("QR code", QR, 3)]
    assert found["campaign"] == [
        ("facebook / social", TAGGED, 4),
        ("QR code", QR, 3),
        ("newsletter", TAGGED, 2),
    ]
    assert found["client"] == [
        ("facebook / social", TAGGED, 4),
        ("QR code", QR, 3),
        ("newsletter", TAGGED, 2),
        ("(not tagged)", UNTAGGED, 1),
    ]


def test_bots_are_no_channel(world):
    bots_only = LinkFactory(client=world["client"], original_url="https://x.example/?utm_source=b")
    clicks(bots_only, 3, 1, is_bot=True, bot_reason="ua:bot")
    clicks(bots_only, 2, 1, is_bot=True, bot_reason="ua:bot", is_qr=True)
    assert channels(Scope(link_id=bots_only.pk), last_days(30)) == []
    client = dict(
        (label, n)
        for label, _kind, n in channels(Scope(client_id=world["client"].pk), last_days(30))
    )
    assert client["QR code"] == 3 and "b" not in client


@pytest.mark.parametrize("period", ["24h", "7d", "30d", "90d", "10 days from noon"])
def test_channels_are_equal_with_and_without_rollups(world, period):
    # 7, 30 and 90 days are the windows whose link sums are kept without QR scans.
    period = {
        "24h": Period(NOW - timedelta(hours=24), NOW),
        "7d": last_days(7),
        "30d": last_days(30),
        "90d": last_days(90),
        "10 days from noon": Period(NOW - timedelta(days=10), NOW),
    }[period]
    raw = every_channel(world, period)
    call_command("rollup_clicks")
    assert watermark() == NOW.date()
    assert DailyLinkClicks.objects.filter(link=world["social"], qr=2, humans=5, bots=3).exists()
    assert every_channel(world, period) == raw


def test_a_scan_at_half_past_eleven_local_time_counts_on_that_local_day(db):
    with override_settings(TIME_ZONE="America/Bogota"), time_machine.travel(NOW, tick=False):
        link = LinkFactory(original_url="https://shop.example/?utm_source=radio&utm_medium=fm")
        # 8 June 23:30 in Bogotá (9 June 04:30 UTC): the day before the last 7 days.
        ClickFactory(link=link, timestamp=datetime(2026, 6, 9, 4, 30, tzinfo=UTC), is_qr=True)
        # 9 June 23:30 in Bogotá (10 June 04:30 UTC): their first day.
        ClickFactory(link=link, timestamp=datetime(2026, 6, 10, 4, 30, tzinfo=UTC), is_qr=True)
        ClickFactory(link=link, timestamp=datetime(2026, 6, 10, 4, 30, tzinfo=UTC))
        scope, period = Scope(link_id=link.pk), last_days(7)
        assert period.start == day_start(datetime(2026, 6, 9).date())
        raw = channels(scope, period)
        call_command("rollup_clicks")
        rolled = channels(scope, period)
        three_days = Period(
            day_start(datetime(2026, 6, 8).date()), day_start(datetime(2026, 6, 11).date())
        )
        days = DailyLinkClicks.objects.filter(link=link).order_by("day")
        assert [(row.day.isoformat(), row.qr) for row in days] == [
            ("2026-06-08", 1),
            ("2026-06-09", 1),
        ]
        assert channels(scope, three_days) == [("QR code", QR, 2), ("radio / fm", TAGGED, 1)]
    assert raw == rolled == [("QR code", QR, 1), ("radio / fm", TAGGED, 1)]


@pytest.mark.parametrize(
    ("destination", "label", "kind"),
    [
        (
            "https://x.example/?utm_source=bolet%C3%ADn&utm_medium=e%2Dmail",
            "boletín / e-mail",
            TAGGED,
        ),
        ("https://x.example/?utm%5Fsource=encoded+key", "encoded key", TAGGED),
        (
            "https://x.example/?utm_source=first&utm_source=second&utm_medium=cpc",
            "first / cpc",
            TAGGED,
        ),
        ("https://x.example/?utm_source=&utm_medium=", "(not tagged)", UNTAGGED),
        ("https://x.example/?utm_source=+&utm_medium=social", "(no source) / social", TAGGED),
        ("https://x.example/?utm_source=evil%0Aname%00%E2%80%8B", "evilname", TAGGED),
        ("https://x.example/?utm_source=%ZZ%FF", "%ZZ\ufffd", TAGGED),
        ("https://x.example/#?utm_source=fragment", "(not tagged)", UNTAGGED),
        ("not a url at all", "(not tagged)", UNTAGGED),
        ("", "(not tagged)", UNTAGGED),
    ],
)
def test_hostile_destinations_do_not_break_the_channels(db, frozen, destination, label, kind):
    link = LinkFactory(original_url=destination)
    clicks(link, 2, 1)
    assert channels(Scope(link_id=link.pk), last_days(7)) == [(label, kind, 2)]


def test_a_very_long_tag_is_cut(db, frozen):
    link = LinkFactory(original_url="https://x.example/?utm_source=" + "a" * 3000 + "&utm_medium=b")
    clicks(link, 1, 1)
    [(label, kind, n)] = channels(Scope(link_id=link.pk), last_days(7))
    assert label == "a" * (MAX_VALUE_CHARS - 1) + "… / b" and (kind, n) == (TAGGED, 1)


def test_links_whose_channels_read_the_same_are_one_row(db, frozen):
    client = ClientFactory()
    for url in (
        "https://x.example/?utm_source=a+%2F+b",
        "https://x.example/?utm_source=a&utm_medium=b",
    ):
        clicks(LinkFactory(client=client, original_url=url), 1, 1)
    assert channels(Scope(client_id=client.pk), last_days(7)) == [("a / b", TAGGED, 2)]


def test_editing_the_destination_moves_past_clicks(world):
    social = world["social"]
    social.original_url = "https://shop.example/a?utm_source=instagram&utm_medium=social"
    social.save()
    assert channels(Scope(link_id=social.pk), last_days(30)) == [
        ("instagram / social", TAGGED, 4),
        ("QR code", QR, 3),
    ]


@pytest.mark.parametrize("rolled", [False, True], ids=["raw", "rolled-up"])
def test_a_fixed_number_of_queries_however_many_links(
    db, frozen, django_assert_num_queries, rolled
):
    client = ClientFactory()
    for n in range(40):
        link = LinkFactory(client=client, original_url=f"https://x.example/?utm_source=s{n % 7}")
        clicks(link, 1, 2)
        clicks(link, 1, 0, is_qr=True)
    if rolled:
        call_command("rollup_clicks")
    until = watermark()
    for scope in (Scope(client_id=client.pk), Scope(link_id=link.pk)):
        # Rollups (when any), raw clicks, the links' destinations.
        with django_assert_num_queries(3 if rolled else 2):
            found = channels(scope, last_days(30), until, known=True)
        assert found
    assert found == [("QR code", QR, 1), ("s4", TAGGED, 1)]


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_the_report_pages_show_the_channels_panel(signed_in, world):
    hostile = LinkFactory(
        client=world["client"], original_url="https://x.example/?utm_source=%3Cscript%3Ealert(1)"
    )
    clicks(hostile, 1, 1)
    pages = [
        f"/dashboard/links/{world['social'].pk}/",
        f"/dashboard/campaigns/{world['campaign'].pk}/",
        f"/dashboard/clients/{world['client'].pk}/",
    ]
    for url in pages:
        response = signed_in.get(url)
        assert response.status_code == 200
        body = response.text
        assert "<h2>Channels</h2>" in body, url
        assert body.index("<h2>Channels</h2>") < body.index("<h2>Countries</h2>")
        assert "<td>facebook / social</td>" in body and "<em>QR code</em>" in body
        assert response.context["figures"]["channels"][1] == ("QR code", QR, 3)
    assert "&lt;script&gt;alert(1)" in body and "<script>alert" not in body


def test_the_report_csv_carries_the_channels(signed_in, world):
    response = signed_in.get(f"/dashboard/clients/{world['client'].pk}/report.csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(content)) if row[0] == "channel"]
    assert rows == [
        ["channel", "facebook / social", "4", "", ""],
        ["channel", "QR code", "3", "", ""],
        ["channel", "newsletter", "2", "", ""],
        ["channel", "(not tagged)", "1", "", ""],
    ]


def test_a_shared_page_shows_channels_when_chosen(client, world):
    _share, shown = create_share(world["client"], sections=["channels", "exports"])
    _share, hidden = create_share(world["client"], sections=["breakdowns", "exports"])
    body = client.get(f"/r/{shown}").content.decode()
    assert "<h2>Channels</h2>" in body and "Countries" not in body
    body = client.get(f"/r/{hidden}").content.decode()
    assert "Channels" not in body and "<h2>Countries</h2>" in body
    shown_csv = b"".join(client.get(f"/r/{shown}/report.csv").streaming_content)
    hidden_csv = b"".join(client.get(f"/r/{hidden}/report.csv").streaming_content)
    assert b'"channel","QR code",3' in shown_csv and b'"channel"' not in hidden_csv
