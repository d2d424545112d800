"""The dumpdata/loaddata backup of docs/operations.md restores every row and every metric."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from accounts.models import User
from analytics.models import BOT, Click
from analytics.tests.factories import ClickFactory
from links.models import Campaign, Client, Link, LinkTag, Tag
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory, TagFactory

# flush (TRUNCATE) needs real transactions: deferred foreign-key checks block it otherwise.
pytestmark = pytest.mark.django_db(transaction=True)

# The documented command, minus the file name.
DUMP_ARGS = [
    "--natural-foreign",
    "--exclude=contenttypes",
    "--exclude=auth.permission",
    "--exclude=sessions",
    "--exclude=admin.logentry",
]


def metrics():
    humans = Click.objects.humans()

    def per(field):
        return {str(row[field]): row["n"] for row in humans.values(field).annotate(n=Count("id"))}

    return {
        "link": per("link_id"),
        "campaign": per("link__campaign_id"),
        "client": per("link__client_id"),
        "country": per("country"),
        "bots": Click.objects.filter(BOT).count(),
    }


def rows():
    return {
        model.__name__: sorted(str(pk) for pk in model.objects.values_list("pk", flat=True))
        for model in (User, Client, Campaign, Tag, Link, LinkTag, Click)
    }


@pytest.fixture
def every_kind_of_row(superuser):
    acme, aroma = ClientFactory(name="Acme"), ClientFactory(name="Café Aroma")
    spring = CampaignFactory(client=acme, name="Spring")
    summer, menu = TagFactory(name="Summer"), TagFactory(name="menu")
    poster = LinkFactory(client=acme, campaign=spring, tags=[summer], short_code="Poster1")
    card = LinkFactory(client=aroma, tags=[summer, menu], short_code="card", is_active=False)
    for link, country, n in [(poster, "GB", 5), (poster, "SE", 2), (card, "US", 3)]:
        ClickFactory.create_batch(n, link=link, country=country)
    ClickFactory.create_batch(4, link=poster, is_bot=True, bot_reason="ua:crawler", country=None)
    ClickFactory(link=card, country=None, ip_address="2001:db8::1", asn_number=15169)


def test_a_dumpdata_backup_loads_into_an_empty_database_with_identical_metrics(
    every_kind_of_row, tmp_path
):
    before_metrics, before_rows = metrics(), rows()
    poster = Link.objects.values("short_code", "created_at", "original_url").get(
        short_code="Poster1"
    )
    backup = tmp_path / "macondo.jsonl.gz"
    call_command("dumpdata", *DUMP_ARGS, "--format=jsonl", f"--output={backup}")

    call_command("flush", "--no-input")
    assert Click.objects.count() == Link.objects.count() == User.objects.count() == 0
    call_command("loaddata", str(backup), verbosity=0)

    assert rows() == before_rows
    assert metrics() == before_metrics
    assert before_metrics["link"] and before_metrics["bots"] == 4
    restored = Link.objects.values("short_code", "created_at", "original_url").get(
        short_code="Poster1"
    )
    # Django's JSON serialiser keeps milliseconds (docs/operations.md: pg_dump is exact to the µs).
    poster["created_at"] = poster["created_at"].replace(
        microsecond=poster["created_at"].microsecond // 1000 * 1000
    )
    assert restored == poster
