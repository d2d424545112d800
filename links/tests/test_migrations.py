import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from analytics.tests.factories import ClickFactory
from links.tests.factories import CampaignFactory, LinkFactory, TagFactory

APPS_TABLES = ["users", "clients", "campaigns", "links", "tags", "link_tags", "clicks"]


def existing_tables():
    return set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True)
def test_migrations_run_from_zero_and_back():
    for app in ["analytics", "links", "accounts"]:
        call_command("migrate", app, "zero", verbosity=0)
    assert not existing_tables() & set(APPS_TABLES)
    call_command("migrate", verbosity=0)
    assert set(APPS_TABLES) <= existing_tables()


def as_instants(rows):
    """Dumped rows with every timestamp text read as the instant it names."""

    def value(text):
        if isinstance(text, str):
            try:
                return parse_datetime(text) or text
            except ValueError:  # looks like a timestamp but is not one
                return text
        return text

    return [
        {**row, "fields": {name: value(text) for name, text in row["fields"].items()}}
        for row in rows
    ]


@pytest.mark.django_db(transaction=True)
def test_dumpdata_then_loaddata_into_an_empty_database_round_trips_every_row(tmp_path):
    campaign = CampaignFactory()
    link = LinkFactory(client=campaign.client, campaign=campaign, tags=[TagFactory(), TagFactory()])
    ClickFactory.create_batch(3, link=link)
    # Django's JSON writes this instant as "…:41.000Z" and, once loaded, as "…:41Z" (it keeps
    # milliseconds): the same instant, which once made this test fail 1 run in ~200.
    ClickFactory(link=link, timestamp=timezone.now().replace(microsecond=500))
    ClickFactory(link=link, is_bot=True, bot_reason="ua:crawler")
    models = [
        "accounts.User",
        "links.Client",
        "links.Campaign",
        "links.Tag",
        "links.Link",
        "links.LinkTag",
        "analytics.Click",
    ]

    def dump():
        out = io.StringIO()
        call_command("dumpdata", *models, "--natural-foreign", stdout=out)
        return sorted(json.loads(out.getvalue()), key=lambda row: (row["model"], str(row["pk"])))

    before = dump()
    fixture = tmp_path / "backup.json"
    fixture.write_text(json.dumps(before))
    call_command("flush", "--noinput", verbosity=0)
    assert dump() == []
    call_command("loaddata", str(fixture), verbosity=0)
    assert as_instants(dump()) == as_instants(before)
    assert len(before) == 1 + 1 + 1 + 2 + 1 + 2 + 5
