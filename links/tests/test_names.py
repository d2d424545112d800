"""Client names are unique regardless of case and surrounding spaces, campaign names likewise
within their client: in the database, in the lookups, in the dashboard and the admin."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import pre_save
from django.urls import reverse

from links.models import Campaign, Client
from links.names import name_keys
from links.tests.factories import CampaignFactory, ClientFactory


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def form_errors(response):
    """The errors on the name field of the dashboard's or the admin's form."""
    context = response.context
    form = context["adminform"].form if "adminform" in context else context["form"]
    return " ".join(form.errors.get("name", []))


# --- the lookup and the index agree -------------------------------------------------------

PAIRS = [
    ("Café Aroma", "café aroma "),
    ("Café Aroma", "CAFÉ AROMA"),
    ("Café Aroma", "\tCAFE\u0301 aroma"),  # a combining accent is the same letter
    ("Acme", "ACME"),
    ("Acme", "Acme Corp"),
    ("Straße", "STRASSE"),
]


@pytest.mark.parametrize(("stored", "asked"), PAIRS)
def test_the_lookup_finds_exactly_what_the_unique_index_refuses(db, stored, asked):
    existing = ClientFactory(name=stored)
    found = Client.objects.named(asked).first()
    try:
        with transaction.atomic():
            Client.objects.create(name=asked)
        refused = False
    except IntegrityError:
        refused = True
    assert refused == (found == existing)
    assert refused == (name_keys([stored])[stored] == name_keys([asked])[asked])


SQLITE_SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.db import IntegrityError, transaction
from links.models import Client
call_command("migrate", verbosity=0)
for stored, asked in json.loads(sys.argv[1]):
    Client.objects.all().delete()
    Client.objects.create(name=stored)
    found = Client.objects.named(asked).exists()
    try:
        with transaction.atomic():
            Client.objects.create(name=asked)
        refused = False
    except IntegrityError:
        refused = True
    print(json.dumps([stored, asked, found, refused]))
"""


def test_on_sqlite_the_lookup_and_the_index_agree_too_folding_only_a_to_z(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "macondo.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "true",
    }
    result = subprocess.run(  # noqa: S603 (our own script and arguments)
        [sys.executable, "-c", SQLITE_SCRIPT, json.dumps(PAIRS)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("[")]
    assert [(stored, asked) for stored, asked, _, _ in rows] == PAIRS
    assert all(found == refused for _, _, found, refused in rows)
    found = {asked: found for _, asked, found, _ in rows}
    assert found["café aroma "] and found["ACME"]
    assert not found["CAFÉ AROMA"]  # SQLite's lower() leaves É as it is


def test_on_postgresql_accented_capitals_are_the_same_name(db):
    aroma = ClientFactory(name="Café Aroma")
    assert Client.objects.named("CAFÉ AROMA").get() == aroma
    assert Client.objects.named(" café aroma ").get() == aroma


def test_a_campaign_is_found_by_name_within_its_own_client_only(db):
    summer = CampaignFactory(name="Summer Sale")
    other = ClientFactory()
    assert Campaign.objects.named(summer.client, " SUMMER sale").get() == summer
    assert Campaign.objects.named(summer.client_id, "summer sale").get() == summer
    assert not Campaign.objects.named(other, "Summer Sale").exists()


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("  Acme  ", "Acme"), ("Acme\n", "Acme"), ("Cafe\u0301", "Café"), ("\u00a0Zeta", "Zeta")],
)
def test_names_are_stored_normalised_whichever_way_they_are_saved(db, raw, stored):
    client = Client.objects.create(name=raw)
    campaign = Campaign.objects.create(client=client, name=raw)
    client.refresh_from_db()
    campaign.refresh_from_db()
    assert (client.name, campaign.name) == (stored, stored)


@pytest.mark.parametrize(
    ("table", "sql"),
    [
        ("clients", "INSERT INTO clients VALUES (gen_random_uuid(), now(), now(), 'ACME')"),
        ("clients", "INSERT INTO clients VALUES (gen_random_uuid(), now(), now(), ' Zeta')"),
        (
            "campaigns",
            "INSERT INTO campaigns (id, created_at, updated_at, name, client_id) "
            "SELECT gen_random_uuid(), now(), now(), 'SUMMER', client_id FROM campaigns",
        ),
        (
            "campaigns",
            "INSERT INTO campaigns (id, created_at, updated_at, name, client_id) "
            "SELECT gen_random_uuid(), now(), now(), 'Winter ', client_id FROM campaigns",
        ),
    ],
)
def test_the_database_itself_refuses_a_clashing_or_untrimmed_name(db, table, sql):
    CampaignFactory(name="Summer", client=ClientFactory(name="Acme"))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


# --- the dashboard ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["acme", " ACME ", "CAFÉ AROMA", "café aroma"])
def test_creating_a_client_with_a_clashing_name_is_a_field_error(signed_in, name):
    ClientFactory(name="Acme")
    ClientFactory(name="Café Aroma")
    response = signed_in.post("/dashboard/clients/new/", {"name": name})
    assert response.status_code == 200
    assert "already exists" in form_errors(response)
    assert Client.objects.count() == 2


def test_the_field_error_names_the_existing_spelling(signed_in):
    ClientFactory(name="Café Aroma")
    response = signed_in.post("/dashboard/clients/new/", {"name": "CAFÉ AROMA"})
    assert form_errors(response) == "A client named “Café Aroma” already exists."


def test_a_new_client_name_is_stored_trimmed(signed_in):
    signed_in.post("/dashboard/clients/new/", {"name": "  Zeta Foods  "})
    assert list(Client.objects.values_list("name", flat=True)) == ["Zeta Foods"]


def test_renaming_a_client_to_another_clients_name_in_another_case_is_a_field_error(signed_in):
    acme = ClientFactory(name="Acme")
    ClientFactory(name="Taken")
    response = signed_in.post(f"/dashboard/clients/{acme.pk}/rename/", {"name": " TAKEN"})
    assert response.status_code == 200
    assert "“Taken” already exists" in form_errors(response)
    assert "Rename client “Acme”" in response.text  # the page keeps the current name
    acme.refresh_from_db()
    assert acme.name == "Acme"


def test_a_client_may_be_renamed_to_another_case_of_its_own_name(signed_in):
    acme = ClientFactory(name="Acme")
    response = signed_in.post(f"/dashboard/clients/{acme.pk}/rename/", {"name": "ACME "})
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.name == "ACME"


def test_creating_a_campaign_with_a_clashing_name_in_its_client_is_a_field_error(signed_in):
    summer = CampaignFactory(name="Summer", client=ClientFactory(name="Acme"))
    response = signed_in.post(
        "/dashboard/campaigns/new/", {"client": summer.client_id, "name": "summer "}
    )
    assert response.status_code == 200
    assert form_errors(response) == "Client “Acme” already has a campaign named “Summer”."
    other = signed_in.post(
        "/dashboard/campaigns/new/", {"client": ClientFactory().pk, "name": "summer"}
    )
    assert other.status_code == 302


def test_renaming_a_campaign_to_a_sibling_name_in_another_case_is_a_field_error(signed_in):
    summer = CampaignFactory(name="Summer")
    winter = CampaignFactory(name="Winter", client=summer.client)
    response = signed_in.post(f"/dashboard/campaigns/{winter.pk}/rename/", {"name": "SUMMER"})
    assert response.status_code == 200
    assert "already has a campaign named “Summer”" in form_errors(response)
    winter.refresh_from_db()
    assert winter.name == "Winter"


# --- the admin ----------------------------------------------------------------------------


def test_adding_a_clashing_client_in_the_admin_is_a_field_error(admin_client):
    ClientFactory(name="Café Aroma")
    response = admin_client.post(
        reverse("admin:links_client_add"),
        {"name": "café AROMA ", "campaigns-TOTAL_FORMS": "0", "campaigns-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert "A client named “Café Aroma” already exists." in form_errors(response)
    assert Client.objects.count() == 1


def test_adding_a_clashing_campaign_in_the_admin_is_a_field_error(admin_client):
    summer = CampaignFactory(name="Summer")
    response = admin_client.post(
        reverse("admin:links_campaign_add"), {"client": summer.client_id, "name": "SUMMER"}
    )
    assert response.status_code == 200
    assert "already has a campaign named “Summer”" in form_errors(response)


def inline_data(client, rows):
    data = {
        "name": client.name,
        "campaigns-TOTAL_FORMS": str(len(rows)),
        "campaigns-INITIAL_FORMS": str(sum(1 for pk, _ in rows if pk)),
    }
    for number, (pk, name) in enumerate(rows):
        data[f"campaigns-{number}-name"] = name
        data[f"campaigns-{number}-client"] = str(client.pk)
        if pk:
            data[f"campaigns-{number}-id"] = str(pk)
    return data


@pytest.mark.parametrize(
    ("new_rows", "message"),
    [
        (["summer "], "already has a campaign named “Summer”"),
        (["Autumn", "AUTUMN"], "Another row here is also named “Autumn”."),
    ],
)
def test_campaign_rows_of_a_client_in_the_admin_cannot_share_a_name(
    admin_client, new_rows, message
):
    summer = CampaignFactory(name="Summer")
    rows = [(summer.pk, "Summer")] + [(None, name) for name in new_rows]
    response = admin_client.post(
        reverse("admin:links_client_change", args=[summer.client_id]),
        inline_data(summer.client, rows),
    )
    assert response.status_code == 200
    assert message in response.text
    assert Campaign.objects.count() == 1


# --- a concurrent insert that wins the race -----------------------------------------------


@pytest.fixture
def rival():
    """Another session that commits a row with the given name just before this one saves:
    the form's check has passed, and the unique index decides."""
    receivers = []

    def commit_first(model, sql, *params):
        def receiver(sender, instance, **kwargs):
            pre_save.disconnect(receiver, sender=model)
            server = connection.get_connection_params()
            server = {k: v for k, v in server.items() if k in ("host", "port", "user")}
            with psycopg.connect(
                dbname=connection.settings_dict["NAME"], autocommit=True, **server
            ) as other:
                other.execute(sql, params)

        pre_save.connect(receiver, sender=model, weak=False)
        receivers.append((receiver, model))

    yield commit_first
    for receiver, model in receivers:
        pre_save.disconnect(receiver, sender=model)


NEW_CLIENT = "INSERT INTO clients VALUES (gen_random_uuid(), now(), now(), %s)"
NEW_CAMPAIGN = (
    "INSERT INTO campaigns (id, created_at, updated_at, name, client_id) "
    "VALUES (gen_random_uuid(), now(), now(), %s, %s)"
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/dashboard/clients/new/", "admin:links_client_add"])
def test_a_client_name_taken_by_a_concurrent_insert_is_the_same_field_error(
    client, superuser, rival, url
):
    client.force_login(superuser)
    rival(Client, NEW_CLIENT, "ACME")
    response = client.post(
        reverse(url) if ":" in url else url,
        {
            "name": "Acme",
            "campaigns-TOTAL_FORMS": "0",
            "campaigns-INITIAL_FORMS": "0",
            # The admin's client page also has the portal's invitations.
            "invitations-TOTAL_FORMS": "0",
            "invitations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "A client named “ACME” already exists." in form_errors(response)
    assert list(Client.objects.values_list("name", flat=True)) == ["ACME"]


@pytest.mark.django_db(transaction=True)
def test_a_campaign_rename_beaten_by_a_concurrent_insert_is_the_same_field_error(
    client, superuser, rival
):
    client.force_login(superuser)
    winter = CampaignFactory(name="Winter", client=ClientFactory(name="Acme"))
    rival(Campaign, NEW_CAMPAIGN, "SPRING", str(winter.client_id))
    response = client.post(f"/dashboard/campaigns/{winter.pk}/rename/", {"name": "Spring"})
    assert response.status_code == 200
    assert form_errors(response) == "Client “Acme” already has a campaign named “SPRING”."
    winter.refresh_from_db()
    assert winter.name == "Winter"
