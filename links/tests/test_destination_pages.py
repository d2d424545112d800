"""Destination rules as the dashboard shows them: loops refused on the form, look-alike
hosts shown with their punycode on every page that shows a destination."""

import pytest

from links.destinations import normalize_destination
from links.models import Link
from links.tests.factories import ClientFactory, LinkFactory

WARNING = "Look-alike warning"


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def pages(link):
    return {
        "link list": f"/dashboard/links/?q={link.short_code}",
        "link report": f"/dashboard/links/{link.pk}/",
        "link edit": f"/dashboard/links/{link.pk}/edit/",
    }


@pytest.mark.parametrize(
    ("host", "punycode", "scripts"),
    [
        ("аррӏе.com", "xn--80ak6aa92e.com", "Cyrillic and Latin"),
        ("pаypal.com", "xn--pypal-4ve.com", "Cyrillic and Latin"),
        ("αpple.com", "xn--pple-zld.com", "Greek and Latin"),
    ],
)
def test_a_look_alike_host_is_shown_with_its_punycode_on_every_page(
    signed_in, host, punycode, scripts
):
    link = LinkFactory(original_url=normalize_destination(f"https://{host}/login"))
    for page, url in pages(link).items():
        html = signed_in.get(url).text
        assert WARNING in html, page
        assert f"“{host}” mixes {scripts} letters" in html, page
        assert f"<code>{punycode}</code>" in html, page


@pytest.mark.parametrize("host", ["пример.рф", "bücher.example", "例え.jp", "example.com"])
def test_a_host_in_one_script_is_shown_as_it_reads_without_a_warning(signed_in, host):
    link = LinkFactory(original_url=normalize_destination(f"https://{host}/menu"))
    for page, url in pages(link).items():
        html = signed_in.get(url).text
        assert WARNING not in html, page
    assert f"https://{host}/menu" in signed_in.get(pages(link)["link report"]).text


def test_a_destination_on_a_host_the_app_answers_to_is_a_form_error(signed_in, settings):
    settings.ALLOWED_HOSTS = ["testserver", ".macondo.example"]
    client = ClientFactory()
    response = signed_in.post(
        "/dashboard/links/new/",
        {"original_url": "https://Go.Macondo.Example./promo", "client": client.pk},
    )
    assert response.status_code == 200
    assert "redirect in a loop" in " ".join(response.context["form"].errors["original_url"])
    assert 'value="https://Go.Macondo.Example./promo"' in response.text
    assert not Link.objects.exists()
