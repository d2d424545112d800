"""import_macondo against a real second PostgreSQL database built from the Prisma schema."""

import re
import uuid
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test import override_settings

from accounts.models import User
from analytics.models import Click
from legacy.importer import IMPORT_LOCK
from links.models import Campaign, Client, Link, LinkTag, Tag
from links.tests.factories import ClientFactory

SCHEMA_SQL = (Path(__file__).parent / "data" / "macondo-prisma-schema.sql").read_text()


class SourceDatabase:
    """A throwaway database in the old system's schema, next to the test database."""

    def __init__(self):
        params = connection.get_connection_params()
        self.server = {k: v for k, v in params.items() if k in ("host", "port", "user")}
        self.name = f"{connection.settings_dict['NAME']}_source"
        host = self.server.get("host") or "127.0.0.1"
        port = self.server.get("port") or 5432
        self.url = f"postgres://{self.server.get('user', 'postgres')}@{host}:{port}/{self.name}"

    def _admin(self, sql):
        with psycopg.connect(dbname="postgres", autocommit=True, **self.server) as conn:
            conn.execute(sql)

    def create(self):
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')
        self._admin(f'CREATE DATABASE "{self.name}"')
        self.execute(SCHEMA_SQL)

    def drop(self):
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def execute(self, sql, params=None):
        with psycopg.connect(dbname=self.name, autocommit=True, **self.server) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    # Rows in the old schema (camelCase, TEXT ids, UTC timestamps without zone).
    def user(self, email, name="Staff", id=None, created="2024-01-02 03:04:05.678"):
        id = id or str(uuid.uuid4())
        self.execute(
            'INSERT INTO users ("id", "email", "name", "createdAt", "updatedAt") '
            "VALUES (%s, %s, %s, %s, '2024-01-03')",
            (id, email, name, created),
        )
        return id

    def client(self, name, id=None, created="2024-01-01"):
        id = id or str(uuid.uuid4())
        self.execute("INSERT INTO clients VALUES (%s, %s, %s, '2024-01-01')", (id, name, created))
        return id

    def campaign(self, name, client, id=None, created="2024-01-01"):
        id = id or str(uuid.uuid4())
        self.execute(
            "INSERT INTO campaigns VALUES (%s, %s, %s, %s, '2024-01-01')",
            (id, name, client, created),
        )
        return id

    def tag(self, name, id=None, created="2024-01-01"):
        id = id or str(uuid.uuid4())
        self.execute("INSERT INTO tags VALUES (%s, %s, %s, %s)", (id, name, created, created))
        return id

    def link(self, code, url, user, client, campaign=None, id=None, tags=()):
        id = id or str(uuid.uuid4())
        self.execute(
            "INSERT INTO links VALUES (%s, %s, %s, %s, %s, %s, "
            "'2023-05-06 07:08:09.123', '2023-06-01')",
            (id, url, code, user, client, campaign),
        )
        for tag in tags:
            self.execute("INSERT INTO link_tags VALUES (%s, %s, '2024-02-03 04:05:06')", (id, tag))
        return id

    def clicks(self, link, count, country="GB", every_nth_bot=0, start="2024-03-01"):
        self.execute(
            "INSERT INTO clicks SELECT gen_random_uuid()::text, %s, "
            "%s::timestamp + i * interval '1 second', '81.2.69.' || (i %% 250), "
            "'Mozilla/5.0', %s, 'London', "
            "%s > 0 AND i %% greatest(%s, 1) = 0, "
            "CASE WHEN %s > 0 AND i %% greatest(%s, 1) = 0 THEN 'ua:crawler' END "
            "FROM generate_series(1, %s) i",
            (
                link,
                start,
                country,
                every_nth_bot,
                every_nth_bot,
                every_nth_bot,
                every_nth_bot,
                count,
            ),
        )


@pytest.fixture
def source(db):
    database = SourceDatabase()
    database.create()
    yield database
    database.drop()


@pytest.fixture
def agency(source):
    """A small but complete old database: two clients, campaigns, tagged links, clicks."""
    ana = source.user("Ana@Corp.example", "Ana")
    ben = source.user("ben@corp.example", "Ben")
    acme = source.client("Acme")
    aroma = source.client("Café Aroma")
    spring = source.campaign("Spring", acme)
    summer = source.tag("Summer")
    menu = source.tag("menu")
    poster = source.link("Poster1", "https://example.com/poster", ana, acme, spring, tags=[summer])
    menu_link = source.link("menu", "https://aroma.example/menu", ben, aroma, tags=[summer, menu])
    source.clicks(poster, 40, country="GB", every_nth_bot=4)
    source.clicks(poster, 15, country="SE")
    source.clicks(menu_link, 25, country="US", every_nth_bot=5)
    return {"poster": poster, "menu": menu_link, "spring": spring, "acme": acme}


def run(source, *args):
    out = StringIO()
    call_command("import_macondo", "--source", source.url, *args, stdout=out)
    return out.getvalue()


def test_the_import_says_how_many_rows_it_has_read_and_sums_up(source, agency, settings):
    settings.PROGRESS_LINE_SECONDS = 0
    out, err = StringIO(), StringIO()
    call_command("import_macondo", "--source", source.url, stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("import_macondo: 0 of 92 rows (0%)")
    assert lines[-2].startswith("import_macondo: 92 of 92 rows (100%)")
    assert re.fullmatch(r"import_macondo: 92 rows in [\d.]+ s, [\d,.]+ rows/s", lines[-1])
    assert "clicks: 80 read, 80 new" in out.getvalue()


def table_sizes():
    return {
        model.__name__: model.objects.count()
        for model in (User, Client, Campaign, Tag, Link, LinkTag, Click)
    }


def test_import_copies_every_table_with_exact_short_codes_and_creation_times(source, agency):
    output = run(source)

    assert table_sizes() == {
        "User": 2,
        "Client": 2,
        "Campaign": 1,
        "Tag": 2,
        "Link": 2,
        "LinkTag": 3,
        "Click": 80,
    }
    poster = Link.objects.get(short_code="Poster1")
    assert str(poster.pk) == agency["poster"]
    assert poster.original_url == "https://example.com/poster"
    assert poster.created_at == datetime(2023, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
    assert poster.campaign.name == "Spring"
    assert poster.client.name == "Acme"
    assert poster.user.email == "ana@corp.example"  # lower-cased
    assert poster.is_active
    assert {t.name for t in Link.objects.get(short_code="menu").tags.all()} == {"menu", "Summer"}
    click = Click.objects.filter(link=poster, country="GB").order_by("timestamp").first()
    assert click.timestamp == datetime(2024, 3, 1, 0, 0, 1, tzinfo=UTC)
    assert (click.ip_address, click.country, click.city) == ("81.2.69.1", "GB", "London")
    assert Click.objects.filter(is_bot=True, bot_reason="ua:crawler").count() == 10 + 5
    assert "clicks" in output and "80" in output and "Done" in output


def test_every_metric_equals_what_sql_on_the_source_gives(source, agency):
    run(source)

    def source_counts(group_by, joins=""):
        rows = source.execute(
            f'SELECT {group_by}, count(*) FROM clicks c JOIN links l ON l.id = c."linkId" '
            f'{joins} WHERE NOT c."isBot" GROUP BY 1'
        )
        return {str(key) if key else None: count for key, count in rows}

    def target_counts(field):
        rows = Click.objects.humans().values(field).annotate(n=Count("id"))
        return {str(row[field]) if row[field] else None: row["n"] for row in rows}

    assert target_counts("link_id") == source_counts('l."id"')
    assert target_counts("link__campaign_id") == source_counts('l."campaignId"')
    assert target_counts("link__client_id") == source_counts('l."clientId"')
    assert target_counts("country") == source_counts("c.country")
    assert target_counts("link_id")[agency["poster"]] == 30 + 15


def test_a_second_run_adds_nothing_and_changes_nothing(source, agency):
    run(source)
    before = table_sizes()
    stamps = sorted(Link.objects.values_list("updated_at", flat=True))

    output = run(source)

    assert table_sizes() == before
    assert sorted(Link.objects.values_list("updated_at", flat=True)) == stamps
    assert "clicks             80          0         80" in output


def test_a_later_run_adds_only_the_new_clicks(source, agency):
    run(source)
    source.clicks(agency["menu"], 7, country="FR", start="2024-09-01")

    output = run(source)

    assert Click.objects.count() == 87
    assert Click.objects.filter(country="FR").count() == 7
    assert "clicks             87          7         80" in output


def test_small_batches_import_every_click_once(source, agency):
    output = run(source, "--batch-size", "7")

    assert Click.objects.count() == 80
    assert output.count("clicks: ") == 12  # 80 clicks in batches of 7


def test_dry_run_reports_the_counts_and_writes_nothing(source, agency):
    output = run(source, "--dry-run")

    assert table_sizes() == dict.fromkeys(table_sizes(), 0)
    assert "clicks             80         80          0" in output
    assert "Dry run, nothing written" in output


def test_rows_it_cannot_take_are_reported_with_id_and_reason_and_the_rest_goes_on(source):
    ana = source.user("ana@corp.example")
    source.user("not-a-uuid@corp.example", id="user-7")
    acme = source.client("Acme")
    good = source.link("good", "https://example.com/", ana, acme)
    js = source.link("js", "javascript:alert(1)", ana, acme)
    ftp = source.link("ftp", "ftp://files.example.com/x", ana, acme)
    spaced = source.link("with space", "https://example.com/s", ana, acme)
    source.execute('ALTER TABLE clicks DROP CONSTRAINT "clicks_linkId_fkey"')
    orphan_link = str(uuid.uuid4())
    source.clicks(orphan_link, 2)
    source.clicks(js, 3)
    source.clicks(good, 4)
    source.execute(
        "INSERT INTO clicks VALUES ('click-9', %s, '2024-01-01', NULL, NULL, NULL, NULL, "
        "false, NULL)",
        (good,),
    )

    output = run(source)

    assert list(Link.objects.values_list("short_code", flat=True)) == ["good"]
    assert Click.objects.count() == 4
    assert "REJECTED users user-7: id is not a UUID" in output
    assert f"REJECTED links {js}: destination 'javascript:alert(1)'" in output
    assert f"REJECTED links {ftp}: destination" in output
    assert "Only http and https" in output
    assert f"REJECTED links {spaced}: short code 'with space' cannot be served" in output
    assert f"orphan: link {orphan_link} not imported" in output
    assert f"orphan: link {js} not imported" in output
    assert "REJECTED clicks click-9: id is not a UUID" in output
    assert output.count("REJECTED clicks") == 2 + 3 + 1


def test_a_url_that_only_normalises_differently_is_imported_exactly_as_stored(source):
    ana = source.user("ana@corp.example")
    acme = source.client("Acme")
    source.link("umlaut", "HTTPS://Bücher.example/straße?q=ä", ana, acme)
    source.link("plain", "https://Example.COM/Path", ana, acme)

    output = run(source)

    assert "REJECTED" not in output
    assert Link.objects.get(short_code="umlaut").original_url == "HTTPS://Bücher.example/straße?q=ä"
    assert Link.objects.get(short_code="plain").original_url == "https://Example.COM/Path"


def test_case_clashes_merge_into_the_existing_row_and_are_reported(source):
    first = source.user("Ana@corp.example", created="2024-01-01")
    second = source.user("ana@CORP.example", created="2024-02-01")
    acme = source.client("Acme")
    summer = source.tag("Summer", created="2024-01-01")
    lower = source.tag("summer", created="2024-02-01")
    link = source.link("abc", "https://example.com/", second, acme, tags=[summer, lower])
    Tag.objects.create(name="Menu")
    menu = source.tag("MENU")
    source.execute("INSERT INTO link_tags VALUES (%s, %s, '2024-01-01')", (link, menu))

    output = run(source)

    assert User.objects.count() == 1
    # Imported people get the role of a new sign-in, never admin rights.
    assert User.objects.get().role == "editor" and not User.objects.get().is_superuser
    assert Link.objects.get().user_id == uuid.UUID(first)
    assert f"MERGED users {second} into {first}" in output
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Menu", "Summer"]
    assert f"MERGED tags {lower} into {summer}" in output
    assert sorted(Link.objects.get().tags.values_list("name", flat=True)) == ["Menu", "Summer"]


def test_later_optional_columns_are_taken_when_the_source_has_them(source, agency):
    source.execute(
        'ALTER TABLE links ADD COLUMN "name" TEXT; '
        'ALTER TABLE clicks ADD COLUMN "botScore" INTEGER, ADD COLUMN "botSignals" TEXT[], '
        'ADD COLUMN "asnNumber" INTEGER, ADD COLUMN "asnOrg" TEXT'
    )
    source.execute("UPDATE links SET \"name\" = 'Spring poster' WHERE \"shortCode\" = 'Poster1'")
    source.execute(
        "UPDATE clicks SET \"botScore\" = 90, \"botSignals\" = ARRAY['dc:asn', 'hdr:none'], "
        '"asnNumber" = 15169, "asnOrg" = \'Google LLC\', "isBot" = true, "botReason" = NULL '
        "WHERE country = 'SE'"
    )
    source.execute(
        "UPDATE clicks SET \"botSignals\" = ARRAY['ua:crawler', 'x'] WHERE \"botReason\" "
        "IS NOT NULL"
    )

    output = run(source)

    assert "found: asn_number, asn_org, bot_score, bot_signals, name" in output
    assert Link.objects.get(short_code="Poster1").name == "Spring poster"
    se = Click.objects.filter(country="SE")
    assert se.count() == 15
    assert set(se.values_list("bot_score", "bot_reason", "asn_number", "asn_org")) == {
        (90, "dc:asn,hdr:none", 15169, "Google LLC")
    }
    # A stored bot_reason is kept as it was.
    assert set(Click.objects.filter(country="GB", is_bot=True).values_list("bot_reason")) == {
        ("ua:crawler",)
    }


def test_without_the_optional_columns_the_fields_stay_empty(source, agency):
    output = run(source)

    assert "found: none" in output
    assert Link.objects.get(short_code="Poster1").name == ""
    assert not Click.objects.filter(bot_score__isnull=False).exists()
    assert not Click.objects.filter(asn_number__isnull=False).exists()


@override_settings(ANONYMIZE_IP=True)
def test_with_ip_anonymisation_on_imported_addresses_are_truncated(source, agency):
    run(source)

    assert set(Click.objects.values_list("ip_address", flat=True)) == {"81.2.69.0"}


def test_bad_addresses_and_countries_are_left_empty_and_counted(source, agency):
    source.execute(
        "UPDATE clicks SET \"ipAddress\" = 'unknown', country = 'United Kingdom' "
        'WHERE "linkId" = %s',
        (agency["menu"],),
    )
    source.execute("UPDATE clicks SET \"ipAddress\" = '2001:db8::1' WHERE country = 'SE'")

    output = run(source)

    menu_clicks = Click.objects.filter(link__short_code="menu")
    assert set(menu_clicks.values_list("ip_address", "country")) == {(None, None)}
    assert set(Click.objects.filter(country="SE").values_list("ip_address", flat=True)) == {
        "2001:db8::1"
    }
    assert "25 × IP address not an address: left empty" in output
    assert "25 × country not a 2-letter code: left empty" in output


def test_two_imports_never_run_at_once(source, agency):
    server = SourceDatabase().server
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"], autocommit=True, **server
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK])
        with pytest.raises(CommandError, match="Another import_macondo is running"):
            run(source)
    assert Click.objects.count() == 0


def test_two_spellings_of_one_click_id_are_imported_once(source, agency):
    click_id = source.execute("SELECT id FROM clicks LIMIT 1")[0][0]
    source.execute(
        'INSERT INTO clicks SELECT upper(id), "linkId", "timestamp", "ipAddress", '
        '"userAgent", country, city, "isBot", "botReason" FROM clicks WHERE id = %s',
        (click_id,),
    )

    output = run(source)

    assert Click.objects.count() == 80
    assert "clicks             81         80          1" in output


def test_an_unreachable_source_is_a_clear_error(db):
    with pytest.raises(CommandError, match="Cannot read the source database"):
        call_command("import_macondo", "--source", "postgres://postgres@127.0.0.1:1/none")


def test_a_source_that_is_not_macondo_is_a_clear_error(db):
    params = connection.get_connection_params()
    url = f"postgres://{params['user']}@{params.get('host') or '127.0.0.1'}/postgres"
    with pytest.raises(CommandError, match="not a Macondo database"):
        call_command("import_macondo", "--source", url)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "mysql://x/y"], "postgres:// URL"),
        (["--source", "postgres://x/y", "--batch-size", "0"], "at least 1"),
    ],
)
def test_bad_arguments_are_clear_errors(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_macondo", *args)


def test_clients_and_campaigns_whose_names_clash_are_merged_into_the_first_and_reported(source):
    ana = source.user("ana@corp.example")
    aroma = source.client("Café Aroma", created="2024-01-01")
    shouting = source.client("CAFÉ AROMA ", created="2024-02-01")
    spaced = source.client(" café aroma", created="2024-03-01")
    menu = source.campaign("Menu", aroma)
    # The same creation time would leave "first" to the random ids.
    other_menu = source.campaign("menu ", shouting, created="2024-02-01")
    brunch = source.campaign("Brunch", spaced)
    first = source.link("first", "https://aroma.example/1", ana, aroma, menu)
    second = source.link("second", "https://aroma.example/2", ana, shouting, other_menu)
    third = source.link("third", "https://aroma.example/3", ana, spaced, brunch)
    source.clicks(second, 3)

    output = run(source)

    assert list(Client.objects.values_list("name", flat=True)) == ["Café Aroma"]
    assert sorted(Campaign.objects.values_list("name", flat=True)) == ["Brunch", "Menu"]
    links = {link.short_code: link for link in Link.objects.select_related("client", "campaign")}
    assert {code: (link.client.name, link.campaign.name) for code, link in links.items()} == {
        "first": ("Café Aroma", "Menu"),
        "second": ("Café Aroma", "Menu"),
        "third": ("Café Aroma", "Brunch"),
    }
    assert str(links["second"].pk) == second and str(links["third"].pk) == third
    assert str(links["first"].pk) == first
    assert Click.objects.filter(link__short_code="second").count() == 3
    assert f"MERGED clients {shouting} into {aroma}: 'CAFÉ AROMA ' is the same name as " in output
    assert f"MERGED clients {spaced} into {aroma}" in output
    assert f"MERGED campaigns {other_menu} into {menu}: 'menu ' is the same name as" in output
    assert "clients             3          1          0        2" in output
    assert "campaigns           3          2          0        1" in output
    assert "nothing is lost" in output


def test_a_source_client_named_like_an_existing_one_joins_it_and_names_are_stored_trimmed(
    source,
):
    acme = ClientFactory(name="Acme")
    ana = source.user("ana@corp.example")
    old_acme = source.client("ACME ")
    zeta = source.client("  Zeta  ")
    source.campaign(" Launch ", zeta)
    source.link("acme1", "https://acme.example/", ana, old_acme)

    output = run(source)

    assert sorted(Client.objects.values_list("name", flat=True)) == ["Acme", "Zeta"]
    assert Link.objects.get(short_code="acme1").client == acme
    assert Campaign.objects.get().name == "Launch"
    assert f"MERGED clients {old_acme} into {acme.pk}" in output
    assert f"NOTE clients {zeta}: name stored trimmed" in output
    assert "REJECTED" not in output

    again = run(source)
    assert sorted(Client.objects.values_list("name", flat=True)) == ["Acme", "Zeta"]
    assert "clients             2          0          1        1" in again
