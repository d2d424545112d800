"""QR scans as a channel: the code encodes the short URL with the scan marker, the redirect
(Django's view and the WSGI fast lane) strips it and stores the click as a scan, a plain
short URL stays an ordinary click; and the code's options (size, colours, error
correction, quiet zone)."""

import io
import struct

import pytest
import segno

from analytics.clicks.spool import loading
from analytics.clicks.visit import Visit
from analytics.models import Click
from links import resolver
from links.tests.factories import LinkFactory
from links.tests.test_fast_redirect import BROWSER, wsgi


@pytest.fixture
def link(db, settings):
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 60
    link = LinkFactory(short_code="Promo24", original_url="https://shop.example/sale?a=1#top")
    resolver.forget()
    return link


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def stored_click():
    loading.flush()
    return Click.objects.get()


# --- the redirect -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("?qr=1", "https://shop.example/sale?a=1#top"),
        ("?qr=1&b=2", "https://shop.example/sale?a=1&b=2#top"),
        ("?b=2&qr=1", "https://shop.example/sale?a=1&b=2#top"),
    ],
)
def test_the_view_strips_the_marker_and_stores_a_scan(client, link, query, location):
    response = client.get(f"/Promo24{query}", **BROWSER)
    assert response.status_code == 302
    assert response["Location"] == location
    assert stored_click().is_qr is True


@pytest.mark.parametrize("query", ["", "?b=2", "?qr=0", "?qr=yes", "?faqr=1"])
def test_a_plain_short_url_is_an_ordinary_click(client, link, query):
    response = client.get(f"/Promo24{query}", **BROWSER)
    # Not the marker: forwarded as any other parameter.
    assert response["Location"] == f"https://shop.example/sale?a=1{query.replace('?', '&')}#top"
    assert stored_click().is_qr is False


def test_the_marker_is_stripped_when_the_link_forwards_no_query(client, db):
    LinkFactory(short_code="noq", original_url="https://shop.example/?a=1", forward_query=False)
    response = client.get("/noq?qr=1", **BROWSER)
    assert response["Location"] == "https://shop.example/?a=1"
    assert stored_click().is_qr is True


def test_the_fast_lane_strips_the_marker_and_stores_a_scan(link):
    resolver.prime()
    answer = wsgi("/Promo24?qr=1&b=2")
    assert (answer.status, answer.by_django) == (302, False)
    assert answer.headers["Location"] == "https://shop.example/sale?a=1&b=2#top"
    assert stored_click().is_qr is True


def test_the_fast_lane_keeps_a_plain_short_url_an_ordinary_click(link):
    resolver.prime()
    answer = wsgi("/Promo24?b=2")
    assert (answer.status, answer.by_django) == (302, False)
    assert answer.headers["Location"] == "https://shop.example/sale?a=1&b=2#top"
    assert stored_click().is_qr is False


def test_spool_lines_carry_the_scan_and_older_lines_read_as_ordinary():
    environ = {"REQUEST_METHOD": "GET", "REMOTE_ADDR": "81.2.69.142"}
    link_id = "00000000-0000-0000-0000-000000000001"
    scan = Visit.from_environ(environ, link_id, scanned=True)
    assert Visit.decode(scan.encode()).scanned is True
    plain = Visit.from_environ(environ, link_id)
    assert b'"qr"' not in plain.encode()
    assert Visit.decode(plain.encode()).scanned is False


# --- the code and its options -------------------------------------------------------------


def png_size(body):
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", body[16:24])


def test_the_code_encodes_the_marked_short_url(signed_in, link):
    assert link.qr_url == link.short_url + "?qr=1"
    response = signed_in.get(f"/dashboard/links/{link.pk}/qr.svg")
    assert response.status_code == 200
    expected = io.BytesIO()
    code = segno.make_qr(link.qr_url, error="m", boost_error=False)
    scale = -(-600 // code.symbol_size(scale=1, border=4)[0])
    code.save(
        expected, kind="svg", scale=scale, border=4, xmldecl=False, dark="#000000", light="#ffffff"
    )
    assert response.content == expected.getvalue()


def test_a_print_size_png_with_colours_and_options(signed_in, link):
    query = "size=2000&foreground=%23102a43&background=%23fff8e1&error=h&quiet_zone=6"
    response = signed_in.get(f"/dashboard/links/{link.pk}/qr.png?{query}&download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="qr-Promo24.png"'
    width, height = png_size(response.content)
    code = segno.make_qr(link.qr_url, error="h", boost_error=False)
    modules = code.symbol_size(scale=1, border=6)[0]
    assert width == height >= 2000
    assert width % modules == 0 and width - 2000 < modules


def test_the_largest_size_is_allowed_and_one_more_pixel_is_not(signed_in, link):
    assert (
        png_size(signed_in.get(f"/dashboard/links/{link.pk}/qr.png?size=4000").content)[0] >= 4000
    )
    response = signed_in.get(f"/dashboard/links/{link.pk}/qr.png?size=4001")
    assert response.status_code == 400
    assert "less than or equal to 4000" in response.text


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (
            "foreground=%23777777&background=%23888888",
            "contrast is 1.3:1; a scanner needs at least 3:1",
        ),
        ("foreground=%23ffffff&background=%23000000", "lighter than the background"),
        ("foreground=red", "Enter a colour as #rrggbb"),
        ("error=x", "Select a valid choice"),
        ("quiet_zone=-1", "greater than or equal to 0"),
        ("size=abc", "Enter a whole number"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(signed_in, link, query, words):
    response = signed_in.get(f"/dashboard/links/{link.pk}/qr.svg?{query}")
    assert response.status_code == 400
    assert words in response.text
    page = signed_in.get(f"/dashboard/links/{link.pk}/qr/?{query}")
    assert page.status_code == 200
    assert words in page.text
    assert "qr.svg?" not in page.text


def test_the_options_page_previews_and_offers_both_downloads(signed_in, link):
    page = signed_in.get(f"/dashboard/links/{link.pk}/qr/?size=2400&foreground=%23003366")
    assert page.status_code == 200
    assert "size=2400&amp;foreground=%23003366" in page.text
    assert f"/dashboard/links/{link.pk}/qr.png?" in page.text
    assert f"/dashboard/links/{link.pk}/qr.svg?" in page.text
    assert 'type="color"' in page.text
    assert "<script>" not in page.text


def test_the_codes_need_a_signed_in_user(client, link):
    assert client.get(f"/dashboard/links/{link.pk}/qr.png").status_code == 302
    assert client.get(f"/dashboard/links/{link.pk}/qr/").status_code == 302
