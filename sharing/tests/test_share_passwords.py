"""A share link's password: hashed, and wrong guesses rate-limited per link."""

import pytest
from django.utils import timezone

from links.tests.factories import ClientFactory
from sharing.models import ShareLink
from sharing.services import create_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def protected(settings):
    settings.SHARE_PASSWORD_ATTEMPTS = 3
    settings.SHARE_PASSWORD_WINDOW_MINUTES = 15
    share, token = create_share(ClientFactory(name="Acme"), password="open sesame")
    return share, f"/r/{token}"


def test_the_password_is_stored_hashed(protected):
    share, _path = protected

    stored = ShareLink.objects.get(pk=share.pk).password
    assert stored.startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt", "md5"))
    assert "open sesame" not in stored


def test_a_protected_page_asks_for_the_password_first(client, protected):
    _share, path = protected

    response = client.get(path)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="password"' in body
    assert "Human clicks" not in body
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_right_password_opens_the_report(client, protected):
    share, path = protected

    response = client.post(path, {"password": "open sesame"})

    assert response.status_code == 302
    page = client.get(path)
    assert "Human clicks" in page.content.decode()
    share.refresh_from_db()
    assert share.views == 1


def test_a_wrong_password_is_refused(client, protected):
    _share, path = protected

    response = client.post(path, {"password": "guess"})

    assert response.status_code == 403
    assert "not right" in response.content.decode()
    assert "Human clicks" not in client.get(path).content.decode()


def test_wrong_passwords_are_rate_limited_even_the_right_one_waits(client, protected):
    _share, path = protected
    for _ in range(3):
        client.post(path, {"password": "guess"})

    locked = client.post(path, {"password": "open sesame"})

    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "Too many wrong passwords" in locked.content.decode()
    assert "Human clicks" not in client.get(path).content.decode()


def test_the_limit_is_per_link_not_per_visitor(client, protected, django_user_model):
    from django.test import Client

    _share, path = protected
    for _ in range(3):
        Client(REMOTE_ADDR=f"203.0.113.{_}").post(path, {"password": "guess"})

    assert client.post(path, {"password": "guess"}).status_code == 429


def test_the_window_ends(client, protected, time_machine):
    _share, path = protected
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(3):
        client.post(path, {"password": "guess"})
    time_machine.shift(16 * 60)

    assert client.post(path, {"password": "open sesame"}).status_code == 302


def test_the_csv_of_a_protected_link_needs_the_password(client, protected):
    _share, path = protected

    assert client.get(f"{path}/report.csv").status_code == 404
    client.post(path, {"password": "open sesame"})
    assert client.get(f"{path}/report.csv").status_code == 200
