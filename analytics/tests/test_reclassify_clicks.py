import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics.models import Click
from analytics.tests.factories import ClickFactory
from analytics.tests.test_bots import CHROME

pytestmark = pytest.mark.django_db

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def reclassify(*args):
    out = io.StringIO()
    call_command("reclassify_clicks", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def stored():
    """Clicks judged by older, weaker rules."""
    link = ClickFactory().link  # a human Chrome click, correctly judged
    return {
        "human chrome": Click.objects.get(link=link),
        "missed crawler": ClickFactory(link=link, user_agent=GOOGLEBOT),
        "missed curl": ClickFactory(link=link, user_agent="curl/8.4.0"),
        "wrong bot": ClickFactory(
            link=link, user_agent=CHROME, is_bot=True, bot_reason="ua:crawler", bot_score=100
        ),
        "burst": ClickFactory(
            link=link, user_agent=CHROME, is_bot=True, bot_reason="burst", bot_score=100
        ),
        "head": ClickFactory(
            link=link, user_agent=CHROME, is_bot=True, bot_reason="method:head", bot_score=100
        ),
    }


def test_reclassify_changes_stored_verdicts_and_the_human_counts_follow(stored):
    assert Click.objects.humans().count() == 3
    output = reclassify("--batch-size", "2")
    assert Click.objects.humans().count() == 2
    assert set(Click.objects.humans()) == {stored["human chrome"], stored["wrong bot"]}
    crawler = Click.objects.get(pk=stored["missed crawler"].pk)
    assert (crawler.is_bot, crawler.bot_reason, crawler.bot_score) == (True, "ua:crawler", 100)
    assert Click.objects.get(pk=stored["missed curl"].pk).bot_reason == "ua:http-client"
    wrong = Click.objects.get(pk=stored["wrong bot"].pk)
    assert (wrong.is_bot, wrong.bot_reason, wrong.bot_score) == (False, None, None)
    assert "human -> bot: 2 (ua:crawler 1, ua:http-client 1)" in output
    assert "bot -> human: 1 (ua:crawler 1)" in output
    assert output.splitlines()[-1] == (
        "6 clicks re-judged: 2 human->bot, 1 bot->human, 0 with new reasons only; 3 rows updated."
    )


def test_request_only_reasons_such_as_burst_and_head_are_kept(stored):
    reclassify()
    assert Click.objects.get(pk=stored["burst"].pk).bot_reason == "burst"
    assert Click.objects.get(pk=stored["head"].pk).bot_reason == "method:head"
    assert Click.objects.get(pk=stored["burst"].pk).is_bot


def test_a_user_agent_judged_too_long_when_sent_stays_a_bot_although_it_is_stored_cut(
    client, settings
):
    from analytics.clicks.spool import loading
    from links.tests.factories import LinkFactory

    settings.CLICK_USER_AGENT_MAX_CHARS = 1000
    LinkFactory(short_code="Long01")
    client.get(
        "/Long01",
        HTTP_USER_AGENT=(CHROME + " " + "x" * 8192)[:8192],
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_SEC_CH_UA='"Chromium";v="131"',
    )
    loading.flush()
    ClickFactory(user_agent="Mozilla/5.0 \x01", is_bot=True, bot_reason="ua:malformed")
    reclassify()
    cut = Click.objects.get(link__short_code="Long01")
    assert (len(cut.user_agent), cut.is_bot, cut.bot_reason) == (1000, True, "ua:malformed")
    assert Click.objects.filter(is_bot=True).count() == 2


def test_a_dry_run_counts_but_writes_nothing(stored):
    output = reclassify("--dry-run")
    assert Click.objects.humans().count() == 3
    assert output.splitlines()[-1].startswith("Dry run, nothing written: 6 clicks re-judged:")
    assert "2 human->bot, 1 bot->human" in output


def test_a_second_run_changes_nothing(stored):
    reclassify()
    assert reclassify().splitlines()[-1].endswith("0 human->bot, 0 bot->human, 0 with new reasons only; 0 rows updated.")  # fmt: skip


def test_since_limits_the_run_to_newer_clicks():
    old = ClickFactory(user_agent="curl/8.4.0", timestamp=timezone.now() - timedelta(days=10))
    new = ClickFactory(link=old.link, user_agent="curl/8.4.0")
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    reclassify("--since", since)
    assert not Click.objects.get(pk=old.pk).is_bot
    assert Click.objects.get(pk=new.pk).is_bot


def test_a_run_resumes_after_the_printed_cursor():
    now = timezone.now()
    first = ClickFactory(user_agent="curl/8.4.0", timestamp=now - timedelta(minutes=2))
    second = ClickFactory(link=first.link, user_agent="curl/8.4.0", timestamp=now)
    output = reclassify("--batch-size", "1", "--dry-run")
    cursor = output.splitlines()[0].split("--after ")[1]
    reclassify("--after", cursor)
    assert not Click.objects.get(pk=first.pk).is_bot
    assert Click.objects.get(pk=second.pk).is_bot


def test_a_verdict_changed_meanwhile_is_not_overwritten(stored, monkeypatch):
    from analytics.management.commands import reclassify_clicks

    real = reclassify_clicks.rejudge_stored

    def concurrent_writer(*args):
        # Another process re-decides the crawler click while this batch is being judged.
        Click.objects.filter(pk=stored["missed crawler"].pk).update(bot_reason="manual")
        return real(*args)

    monkeypatch.setattr(reclassify_clicks, "rejudge_stored", concurrent_writer)
    reclassify()
    assert Click.objects.get(pk=stored["missed crawler"].pk).bot_reason == "manual"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since"),
        (["--after", "nonsense"], "--after"),
        (["--after", "2026-01-01T00:00:00+00:00,not-a-uuid"], "--after"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_bad_options_get_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        reclassify(*args)


def test_rolled_up_reports_follow_the_new_verdicts_at_once(db):
    from analytics.reports.figures import totals
    from analytics.reports.periods import Scope, last_days

    old = timezone.now() - timedelta(days=5)
    first = ClickFactory(timestamp=old, user_agent="curl/8.4.0", is_bot=False)
    ClickFactory.create_batch(2, link=first.link, timestamp=old, user_agent="curl/8.4.0")
    ClickFactory(link=first.link, timestamp=old, user_agent=CHROME)
    call_command("rollup_clicks", stdout=io.StringIO())
    scope = Scope(link_id=first.link_id)
    assert totals(scope, last_days(30)) == {"humans": 4, "bots": 0}
    output = reclassify()
    assert "Rolled up" in output
    assert totals(scope, last_days(30)) == {"humans": 1, "bots": 3}
