import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.tests.factories import UserFactory
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


BEFORE_NAMES = ("links", "0003_database_on_delete_rules")
NAMES = ("links", "0004_names_unique_regardless_of_case")


@pytest.fixture
def before_names_rule():
    """The database at the migration before the names rule, with the historical models;
    put back at the latest migrations afterwards, whatever the test did."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_NAMES])
    apps = executor.loader.project_state([BEFORE_NAMES]).apps
    yield apps
    with connection.cursor() as cursor:  # a failed test may leave clashing rows behind
        cursor.execute("DELETE FROM campaigns; DELETE FROM clients")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def stored_names(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, name FROM {table} ORDER BY name")  # noqa: S608
        return {str(pk): name for pk, name in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_the_names_migration_refuses_clashing_rows_listing_them_and_how_to_fix(
    before_names_rule,
):
    Client = before_names_rule.get_model("links", "Client")
    Campaign = before_names_rule.get_model("links", "Campaign")
    aroma = Client.objects.create(name="Café Aroma")
    shouting = Client.objects.create(name="CAFÉ AROMA ")
    acme = Client.objects.create(name="Acme")
    summer = Campaign.objects.create(client=acme, name="Summer")
    lower = Campaign.objects.create(client=acme, name=" summer")
    Campaign.objects.create(client=aroma, name="Summer")  # another client: no clash
    before = stored_names("clients"), stored_names("campaigns")

    with pytest.raises(CommandError) as refused:
        migrate_to(NAMES)

    message = str(refused.value)
    assert f"clients: {aroma.pk} “Café Aroma”, {shouting.pk} “CAFÉ AROMA ”" in message
    assert f"campaigns of client “Acme”: {summer.pk} “Summer”, {lower.pk} “ summer”" in message
    assert message.count("“Summer”") == 1
    assert f"DELETE FROM clients WHERE id = '{shouting.pk}';" in message
    assert f"UPDATE campaigns SET name = '<another name>' WHERE id = '{lower.pk}';" in message
    assert "run migrate again" in message
    assert (stored_names("clients"), stored_names("campaigns")) == before
    applied = MigrationRecorder(connection).applied_migrations()
    assert NAMES not in applied

    # The merge it suggests loses nothing, and then the migration goes through.
    user = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO links (id, created_at, updated_at, original_url, short_code, user_id, "
            "client_id, campaign_id, name, is_active, forward_query) VALUES (gen_random_uuid(), "
            "now(), now(), 'https://example.com/', 'menu', %s, %s, %s, '', true, true)",
            [user.pk, shouting.pk, lower.pk],
        )
        cursor.execute(message.split("or to merge:\n")[1].split("\n(")[0])
    migrate_to(NAMES)
    assert stored_names("clients") == {str(acme.pk): "Acme", str(aroma.pk): "Café Aroma"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_id, campaign_id FROM links")
        assert cursor.fetchall() == [(aroma.pk, summer.pk)]


@pytest.mark.django_db(transaction=True)
def test_the_names_migration_trims_stored_names_and_is_reversible(before_names_rule):
    Client = before_names_rule.get_model("links", "Client")
    Campaign = before_names_rule.get_model("links", "Campaign")
    acme = Client.objects.create(name="  Acme ")
    Client.objects.create(name="Zeta")
    Campaign.objects.create(client=acme, name="Summer\t")
    Campaign.objects.create(client=Client.objects.create(name="Other"), name="summer")
    stamp = Client.objects.get(pk=acme.pk).updated_at

    migrate_to(NAMES)

    assert sorted(stored_names("clients").values()) == ["Acme", "Other", "Zeta"]
    assert sorted(stored_names("campaigns").values()) == ["Summer", "summer"]
    assert Client.objects.get(pk=acme.pk).updated_at == stamp
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO clients VALUES (gen_random_uuid(), now(), now(), 'ZETA')")

    migrate_to(BEFORE_NAMES)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO clients VALUES (gen_random_uuid(), now(), now(), 'ZETA')")
        cursor.execute("DELETE FROM clients WHERE name = 'ZETA'")
    migrate_to(NAMES)
    assert sorted(stored_names("clients").values()) == ["Acme", "Other", "Zeta"]
