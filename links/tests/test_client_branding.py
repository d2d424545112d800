"""A client's logo and accent colour: validated, stored through the storage API, served
safely, and used by the portal and shared pages."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from links.models import Client
from links.tests.factories import ClientFactory
from links.tests.images import PNG, SVG, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory(role="editor"))
    return client


@pytest.fixture
def acme():
    return ClientFactory(name="Acme")


def upload(editor_client, client, **data):
    return editor_client.post(f"/dashboard/clients/{client.pk}/branding/", data)


def test_an_editor_uploads_a_logo_and_sets_a_colour(editor_client, acme):
    response = upload(
        editor_client,
        acme,
        logo=SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
        accent_color="#0B6",
    )

    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.accent_color == "#00bb66"
    assert default_storage.exists(acme.logo.name)
    assert acme.logo.name.startswith(f"client-logos/{acme.pk}/") and acme.logo.name.endswith(".png")
    logo = editor_client.get(f"/dashboard/clients/{acme.pk}/logo")
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in logo["Content-Security-Policy"]
    assert b"".join(logo.streaming_content) == PNG


def test_a_new_logo_replaces_the_old_file(editor_client, acme):
    upload(editor_client, acme, logo=SimpleUploadedFile("a.png", PNG), accent_color="")
    acme.refresh_from_db()
    first = acme.logo.name

    upload(editor_client, acme, logo=SimpleUploadedFile("b.png", png(3, 3)), accent_color="")

    acme.refresh_from_db()
    assert acme.logo.name != first
    assert not default_storage.exists(first)


def test_an_svg_or_a_renamed_file_is_refused(editor_client, acme):
    for name, content in (("logo.svg", SVG), ("logo.png", b"<html>not an image</html>")):
        response = upload(editor_client, acme, logo=SimpleUploadedFile(name, content))

        assert response.status_code == 200
        assert "must be a PNG, JPEG or WebP image" in response.content.decode()
    assert not Client.objects.get(pk=acme.pk).logo


def test_a_logo_too_big_is_refused(editor_client, acme, settings):
    settings.CLIENT_LOGO_MAX_BYTES = 1024
    big = PNG + b"\x00" * 2048

    response = upload(editor_client, acme, logo=SimpleUploadedFile("big.png", big))

    assert "at most 1 KB" in response.content.decode()
    assert not Client.objects.get(pk=acme.pk).logo


@pytest.mark.parametrize("colour", ["red", "#12345", "#ggghhh", "0b6e4f;}body{"])
def test_a_colour_that_is_not_hex_is_refused(editor_client, acme, colour):
    response = upload(editor_client, acme, accent_color=colour)

    body = response.content.decode()
    assert "Enter a hex colour" in body or "at most 7 characters" in body
    assert Client.objects.get(pk=acme.pk).accent_color == ""


@pytest.mark.parametrize(
    ("accent", "ink"), [("#ffcc00", "#111111"), ("#0b6e4f", "#ffffff"), ("#000080", "#ffffff")]
)
def test_the_theme_picks_readable_text(editor_client, acme, accent, ink):
    acme.accent_color = accent
    acme.save()

    css = editor_client.get(f"/dashboard/clients/{acme.pk}/theme.css").content.decode()

    assert f"--accent: {accent}" in css and f"--accent-ink: {ink}" in css


def test_a_client_without_a_logo_has_none_to_serve(editor_client, acme):
    assert editor_client.get(f"/dashboard/clients/{acme.pk}/logo").status_code == 404


def test_viewers_may_not_change_the_branding(client, acme):
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory(role="viewer"))

    assert client.get(f"/dashboard/clients/{acme.pk}/branding/").status_code == 403


def test_a_shared_page_shows_the_logo(client, acme):
    from sharing.services import create_share

    acme.logo.save("logo.png", SimpleUploadedFile("logo.png", PNG))
    _share, token = create_share(acme)

    page = client.get(f"/r/{token}").content.decode()
    logo = client.get(f"/r/{token}/logo")

    assert f'src="/r/{token}/logo"' in page
    assert logo["Content-Type"] == "image/png"
