import pytest
from django.core.exceptions import ValidationError

from links import whatsapp
from links.tests.factories import LinkFactory


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_the_qr_code_comes_as_svg_and_png(signed_in):
    link = LinkFactory(short_code="qr1")
    svg = signed_in.get(f"/dashboard/links/{link.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg")
    png = signed_in.get(f"/dashboard/links/{link.pk}/qr.png?download=1")
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert png["Content-Disposition"] == 'attachment; filename="qr-qr1.png"'


def test_the_link_page_offers_copy_whatsapp_and_email_sharing(signed_in, settings):
    settings.SHORT_LINK_BASE_URL = "https://mcd.link"
    link = LinkFactory(short_code="share", name="Menu")
    page = signed_in.get(f"/dashboard/links/{link.pk}/").text
    assert "https://mcd.link/share" in page
    assert "https://wa.me/?text=Menu%3A+https%3A%2F%2Fmcd.link%2Fshare" in page
    assert "mailto:?subject=Menu&amp;body=Menu%3A%20https%3A%2F%2Fmcd.link%2Fshare" in page
    assert f"/dashboard/links/{link.pk}/qr.svg" in page


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("57", "300", "1234567", ""), "https://wa.me/573001234567"),
        (
            ("+54", "011", "1234-5678", "Hola & más"),
            "https://wa.me/541112345678?text=Hola%20%26%20m%C3%A1s",
        ),
        (("1", "", "(555) 123 4567", ""), "https://wa.me/15551234567"),
    ],
)
def test_whatsapp_links_are_built_from_their_parts(args, expected):
    assert whatsapp.build_link(*args) == expected


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "300", "1234567", ""), "country_code"),
        (("5a", "300", "1234567", ""), "country_code"),
        (("0", "300", "1234567", ""), "country_code"),
        (("57", "300", "12", ""), "number"),
        (("57", "3000000", "1234567", ""), "area_code"),
        (("999", "99999", "999999999999", ""), "number"),
        (("57", "300", "1234567", "x" * 1001), "message"),
        (("57", "300", "１２３４５６７", ""), "number"),
    ],
)
def test_bad_whatsapp_parts_are_field_errors(args, field):
    with pytest.raises(ValidationError) as error:
        whatsapp.build_link(*args)
    assert field in error.value.message_dict


def test_the_whatsapp_tool_gives_a_link_to_copy_and_to_shorten(signed_in):
    response = signed_in.get(
        "/dashboard/tools/whatsapp/?country_code=57&area_code=300&number=1234567&message=Hola"
    )
    assert response.context["wa_link"] == "https://wa.me/573001234567?text=Hola"
    assert 'data-copy="wa-link"' in response.text
    assert (
        "/dashboard/links/new/?original_url=https%3A%2F%2Fwa.me%2F573001234567%3Ftext%3DHola"
        in response.text
    )


def test_the_whatsapp_tool_shows_errors_next_to_fields(signed_in):
    response = signed_in.get("/dashboard/tools/whatsapp/?country_code=57&number=12")
    assert "number" in response.context["form"].errors
    assert response.context["wa_link"] is None
