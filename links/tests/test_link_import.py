"""The CSV link import through its page: delimiters, the names rule, the template file, and
every kind of bad file answered with a line error (never a 500)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from links.imports import KNOWN_COLUMNS, MAX_LINE_CHARS
from links.models import Link
from links.tests.factories import CampaignFactory, ClientFactory

URL = "/dashboard/links/import/"


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def acme(db):
    client = ClientFactory(name="Acme")
    CampaignFactory(client=client, name="Summer")
    return client


def upload(client, content, follow=False):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        URL, {"file": SimpleUploadedFile("links.csv", data, "text/csv")}, follow=follow
    )


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


# --- delimiters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "read_as"),
    [
        (
            "destination,client,campaign,tags,alias\r\n"
            'https://example.com/a,Acme,Summer,"summer, ig",acme-a\r\n',
            "comma-separated",
        ),
        (
            "destination;client;campaign;tags;alias\r\n"
            "https://example.com/a;Acme;Summer;summer, ig;acme-a\r\n",
            "semicolon-separated",
        ),
        (
            '"destination";"client";"campaign";"tags";"alias"\n'
            '"https://example.com/a";"Acme";"Summer";"summer, ig";"acme-a"\n',
            "semicolon-separated",
        ),
        (
            "destination,client,campaign,tags,alias\r"  # old Mac line ends
            'https://example.com/a,Acme,Summer,"summer,ig",acme-a\r',
            "comma-separated",
        ),
    ],
)
def test_comma_and_semicolon_files_import_and_the_message_says_which_was_read(
    signed_in, acme, content, read_as
):
    response = upload(signed_in, content, follow=True)
    assert shown_messages(response) == [f"Imported 1 link(s) from a {read_as} file."]
    link = Link.objects.get(short_code="acme-a")
    assert (link.client, link.campaign.name) == (acme, "Summer")
    assert sorted(tag.name for tag in link.tags.all()) == ["ig", "summer"]


@pytest.mark.parametrize(
    ("content", "read_as"),
    [
        ("destination;client\nnot a url;Acme\n", "semicolon-separated"),
        ("destination,client\nnot a url,Acme\n", "comma-separated"),
    ],
)
def test_the_error_report_says_which_delimiter_was_read(signed_in, acme, content, read_as):
    response = upload(signed_in, content)
    assert response.context["read_as"] == read_as
    assert f"The file was read as {read_as}." in response.text


# --- clients and campaigns by the names rule ----------------------------------------------


@pytest.mark.parametrize(
    ("client_cell", "campaign_cell"),
    [("acme", "summer"), ("  ACME ", " SUMMER"), ("Acme", "Summer")],
)
def test_rows_find_their_client_and_campaign_regardless_of_case_and_spaces(
    signed_in, acme, client_cell, campaign_cell
):
    upload(
        signed_in,
        f"destination;client;campaign\nhttps://example.com/;{client_cell};{campaign_cell}\n",
    )
    link = Link.objects.get()
    assert (link.client, link.campaign.name) == (acme, "Summer")


def test_accented_names_match_in_any_case_and_either_unicode_form(signed_in, db):
    aroma = ClientFactory(name="Café Aroma")
    CampaignFactory(client=aroma, name="Menú")
    upload(
        signed_in,
        "destination,client,campaign\n"
        "https://aroma.example/1,CAFÉ AROMA,MENÚ\n"
        "https://aroma.example/2,Cafe\u0301 aroma,Menu\u0301\n",
    )
    assert [
        (link.client, link.campaign.name) for link in Link.objects.order_by("original_url")
    ] == [
        (aroma, "Menú"),
        (aroma, "Menú"),
    ]


def test_a_campaign_of_another_client_is_never_taken(signed_in, acme):
    zeta = ClientFactory(name="Zeta")
    CampaignFactory(client=zeta, name="Winter")
    response = upload(signed_in, "destination,client,campaign\nhttps://example.com/,Acme,winter\n")
    assert response.context["errors"] == [(2, "campaign: Client “Acme” has no campaign “winter”.")]
    assert not Link.objects.exists()


# --- the template file --------------------------------------------------------------------


def test_the_import_page_links_to_a_template_that_imports_as_it_is(signed_in, db):
    page = signed_in.get(URL)
    assert 'href="/dashboard/links/import/template.csv"' in page.text

    response = signed_in.get("/dashboard/links/import/template.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="links-import-template.csv"'
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert tuple(header) == KNOWN_COLUMNS
    assert len(rows) == 1

    example = dict(zip(header, rows[0], strict=True))
    CampaignFactory(client=ClientFactory(name=example["client"]), name=example["campaign"])
    upload(signed_in, response.content)
    link = Link.objects.get()
    assert (link.short_code, link.name) == (example["alias"], example["name"])


def test_the_template_needs_a_signed_in_user(client, db):
    response = client.get("/dashboard/links/import/template.csv")
    assert response.status_code == 302


# --- duplicate aliases and line numbers ---------------------------------------------------


def test_an_alias_twice_in_the_file_names_the_line_it_is_also_on(signed_in, acme):
    response = upload(
        signed_in,
        "destination,client,alias\n"
        "https://example.com/1,Acme,spring\n"
        "https://example.com/2,Acme,other\n"
        "https://example.com/3,Acme,Spring\n",
    )
    assert response.context["errors"] == [(4, "alias: The alias “Spring” is also on line 2.")]
    assert not Link.objects.exists()


def test_a_row_with_a_repeated_alias_still_has_its_other_problems_listed(signed_in, acme):
    response = upload(
        signed_in,
        "destination,client,alias\nhttps://example.com/1,Acme,spring\nnot a url,Nobody,spring\n",
    )
    [(line, message)] = response.context["errors"]
    assert line == 3
    assert message.startswith("alias: The alias “spring” is also on line 2.; client: No client")


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(signed_in, acme):
    response = upload(
        signed_in,
        'destination,client,name\n\nhttps://example.com/1,Acme,"two\nlines"\nnot a url,Acme,\n',
    )
    [(line, message)] = response.context["errors"]
    assert line == 5
    assert message.startswith("destination:")


# --- files that are not good CSV ----------------------------------------------------------

LONG_QUOTED_FIELD = (
    'destination,client,name\nhttps://example.com/,Acme,"' + ("x" * 9000 + "\n") * 16 + '"\n'
)


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        pytest.param(b"", 1, "The file is empty.", id="empty"),
        pytest.param(b"\r\n \n", 1, "The file is empty.", id="blank-lines"),
        pytest.param(
            "destination,client\r\n", 1, "The file has the header line but no rows.", id="header"
        ),
        pytest.param(
            "destination,client,name\nhttps://example.com/,Acme,Poster\x00\n",
            2,
            "The line has a NUL byte",
            id="nul-byte",
        ),
        pytest.param(LONG_QUOTED_FIELD, 2, "A field is longer than 131,072 characters", id="field"),
        pytest.param(
            f"destination,client\nhttps://example.com/{'a' * MAX_LINE_CHARS},Acme\n",
            2,
            f"The line is longer than {MAX_LINE_CHARS:,} characters",
            id="long-line",
        ),
        pytest.param(
            "destination,client\nhttps://example.com/ñ,Acme\n".encode("cp1252"),
            2,
            "The file is not UTF-8 text: line 2 has the byte 0xF1",
            id="windows-1252",
        ),
        pytest.param(
            "destination,client\n".encode("utf-16"), 1, "The file is UTF-16 text", id="utf-16"
        ),
        pytest.param(
            b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)),
            1,
            "This is an Excel workbook (.xlsx)",
            id="xlsx",
        ),
        pytest.param(bytes(range(256)) * 4, 1, "This is a binary file", id="binary"),
        pytest.param(
            "url;client\nhttps://example.com/;Acme\n",
            1,
            "Missing column(s): destination",
            id="missing-column",
        ),
        pytest.param(
            "destination,client,Client\nhttps://example.com/,Acme,Acme\n",
            1,
            "The column “client” appears twice.",
            id="column-twice",
        ),
    ],
)
def test_a_bad_file_is_a_line_error_and_imports_nothing(signed_in, acme, content, line, message):
    response = upload(signed_in, content)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert errors[0][0] == line
    assert errors[0][1].startswith(message)
    assert "Nothing was imported" in response.text
    assert not Link.objects.exists()


def test_a_nul_byte_does_not_hide_the_other_bad_lines(signed_in, acme):
    response = upload(
        signed_in,
        "destination,client,name\nhttps://example.com/,Acme,Po\x00ster\nnot a url,Acme,\n",
    )
    assert [line for line, _ in response.context["errors"]] == [2, 3]


def test_a_file_over_two_megabytes_is_a_field_error(signed_in, acme):
    response = upload(signed_in, "destination,client\n" + "https://example.com/,Acme\n" * 90_000)
    assert "larger than 2 MB" in " ".join(response.context["form"].errors["file"])
    assert not Link.objects.exists()
