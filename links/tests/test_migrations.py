import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

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


@pytest.mark.django_db(transaction=True)
def test_dumpdata_then_loaddata_into_an_empty_database_round_trips_every_row(tmp_path):
    campaign = CampaignFactory()
    link = LinkFactory(client=campaign.client, campaign=campaign, tags=[TagFactory(), TagFactory()])
    ClickFactory.create_batch(4, link=link)
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
    assert dump() == before
    assert len(before) == 1 + 1 + 1 + 2 + 1 + 2 + 5
