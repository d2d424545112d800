import re

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def ana(db):
    return UserFactory(
        email="ana@corp.example",
        name="Ana Pérez",
        avatar_url="https://lh3.googleusercontent.com/a/ana",
    )


def csrf_token_of(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_header_shows_who_is_signed_in_with_avatar_and_a_sign_out_form(client, ana):
    client.force_login(ana)

    page = client.get("/accounts/logout/").content.decode()

    header = page[page.index("<header") : page.index("</header>")]
    assert "Ana Pérez" in header
    assert 'src="https://lh3.googleusercontent.com/a/ana"' in header
    assert '<form method="post" action="/accounts/logout/"' in header
    assert 'name="csrfmiddlewaretoken"' in header


def test_header_of_a_signed_out_visitor_names_nobody(db, client):
    page = client.get("/accounts/login/").content.decode()

    header = page[page.index("<header") : page.index("</header>")]
    assert "Sign out" not in header


def test_sign_out_by_get_only_asks_for_confirmation(client, ana):
    client.force_login(ana)

    response = client.get("/accounts/logout/")

    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(ana.pk)


def test_sign_out_without_csrf_token_is_refused(csrf_client, ana):
    csrf_client.force_login(ana)

    response = csrf_client.post("/accounts/logout/")

    assert response.status_code == 403
    assert csrf_client.session["_auth_user_id"] == str(ana.pk)


def test_sign_out_by_post_ends_the_session_and_shows_sign_in(csrf_client, ana):
    csrf_client.force_login(ana)
    token = csrf_token_of(csrf_client.get("/accounts/logout/").content.decode())

    response = csrf_client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in csrf_client.session
