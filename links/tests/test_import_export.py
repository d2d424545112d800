import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse

from analytics.tests.factories import ClickFactory
from links.models import Link, Tag
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory, TagFactory


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def acme(db):
    client = ClientFactory(name="Acme")
    CampaignFactory(client=client, name="Summer")
    return client


def upload(client, text, name="links.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/dashboard/links/import/", {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def test_a_valid_csv_creates_every_link_with_tags(signed_in, acme, owner):
    response = upload(
        signed_in,
        "destination,client,campaign,tags,alias,name\n"
        'https://example.com/a,Acme,Summer,"summer, ig",acme-a,First\n'
        "https://example.com/b,acme,,,,\n",
    )
    assert response["Location"] == "/dashboard/links/"
    first = Link.objects.get(short_code="acme-a")
    assert (first.campaign.name, first.name, first.user) == ("Summer", "First", owner)
    assert sorted(t.name for t in first.tags.all()) == ["ig", "summer"]
    assert Link.objects.count() == 2


def test_one_bad_row_imports_nothing_and_every_error_is_listed(signed_in, acme):
    LinkFactory(short_code="taken")
    response = upload(
        signed_in,
        "destination,client,campaign,alias\n"
        "https://example.com/ok,Acme,,\n"
        "not a url,Acme,,\n"
        "https://example.com/c,Nobody,,\n"
        "https://example.com/d,Acme,Winter,\n"
        "https://example.com/e,Acme,,taken\n"
        "https://example.com/f,Acme,,dup-1\n"
        "https://example.com/g,Acme,,dup-1\n",
    )
    assert response.status_code == 200
    lines = dict(response.context["errors"])
    assert sorted(lines) == [3, 4, 5, 6, 8]
    assert "destination:" in lines[3]
    assert "No client named “Nobody”" in lines[4]
    assert "no campaign “Winter”" in lines[5]
    assert "already taken" in lines[6]
    assert "The alias “dup-1” is also on line 7." in lines[8]
    assert "Nothing was imported" in response.text
    assert Link.objects.count() == 1  # only the one that existed before
    assert not Tag.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("url,client\nhttps://example.com,Acme\n", "Missing column(s): destination"),
        ("destination,client\n", "The file has the header line but no rows."),
    ],
)
def test_a_csv_without_the_needed_columns_or_rows_is_refused(signed_in, acme, content, message):
    response = upload(signed_in, content)
    assert message in response.context["errors"][0][1]


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(signed_in, acme):
    response = upload(
        signed_in, "destination,client\nhttps://example.com/é,Acme\n".encode("latin-1")
    )
    [(line, message)] = response.context["errors"]
    assert line == 2
    assert "not UTF-8" in message and "0xE9" in message


def test_exporting_the_filtered_list_streams_csv(signed_in, acme):
    tag = TagFactory(name="print")
    kept = LinkFactory(client=acme, name="Poster", short_code="poster", tags=[tag])
    LinkFactory(short_code="other")
    ClickFactory.create_batch(2, link=kept)
    response = signed_in.get(f"/dashboard/links/export.csv?client={acme.pk}")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [
        (r["short_code"], r["client"], r["tags"], r["human_clicks_in_period"]) for r in rows
    ] == [("poster", "Acme", "print", "2")]
