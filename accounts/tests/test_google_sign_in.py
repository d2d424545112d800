from urllib.parse import parse_qs

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken

from accounts.models import User
from accounts.tests.factories import UserFactory


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def stored_rows():
    return User.objects.count(), SocialAccount.objects.count(), EmailAddress.objects.count()


@pytest.mark.parametrize("answer_with", ["id_token", "userinfo"])
def test_first_sign_in_creates_the_user_with_name_and_avatar(db, client, google, answer_with):
    google.answer_with = answer_with

    response = google.sign_in(client, email="ana@corp.example")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get()
    assert user.email == "ana@corp.example"
    assert user.name == "Ana Pérez"
    assert user.avatar_url == "https://lh3.googleusercontent.com/a/ana"
    assert not user.is_staff and not user.is_superuser
    assert user.role == "editor"
    assert not user.has_usable_password()
    assert signed_in_user_id(client) == str(user.pk)
    assert SocialAccount.objects.get().user == user
    assert EmailAddress.objects.get(user=user).verified
    # Google's access token is used once, never kept.
    assert not SocialToken.objects.exists()
    (token_request,) = google.token_requests()
    form = parse_qs(token_request.body)
    assert form["code"] == ["4/code"]
    assert form["client_id"] == ["test-client.apps.googleusercontent.com"]
    assert form["redirect_uri"] == ["https://testserver/accounts/google/login/callback/"]


def test_sign_in_comes_back_to_the_page_that_asked_for_it(db, client, google):
    response = google.sign_in(client, email="ana@corp.example", next_url="/links/?page=2")

    assert response.status_code == 302
    assert response["Location"] == "/links/?page=2"


def test_sign_in_refuses_to_return_to_another_site(db, client, google):
    response = google.sign_in(client, email="ana@corp.example", next_url="https://evil.example/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_second_sign_in_refreshes_name_and_avatar(db, client, google):
    google.sign_in(client, email="ana@corp.example")
    client.logout()

    response = google.sign_in(
        client,
        email="ana@corp.example",
        name="Ana Pérez Gómez",
        picture="https://lh3.googleusercontent.com/a/ana-2",
    )

    assert response.status_code == 302
    user = User.objects.get()
    assert user.name == "Ana Pérez Gómez"
    assert user.avatar_url == "https://lh3.googleusercontent.com/a/ana-2"
    assert signed_in_user_id(client) == str(user.pk)
    assert stored_rows() == (1, 1, 1)


def test_address_is_stored_lower_case_and_its_domain_compared_case_insensitively(
    db, client, google
):
    response = google.sign_in(client, email="Ana.Perez@CORP.Example")

    assert response.status_code == 302
    assert User.objects.get().email == "ana.perez@corp.example"


def test_avatar_that_is_not_an_https_url_is_not_kept(db, client, google):
    google.sign_in(client, email="ana@corp.example", picture="javascript:alert(1)")

    assert User.objects.get().avatar_url is None


@pytest.mark.parametrize(
    "email",
    [
        "someone@corp.example.evil.com",
        "someone@evilcorp.example",
        '"someone@corp.example"@evil.com',
        '"corp.example"@evil.com',
        "someone@gmail.com",
        "someone@sub.corp.example",
        "someone@corp.example.",
        "corp.example",
        "",
    ],
)
def test_address_outside_the_allowed_domains_is_refused_and_nothing_is_stored(
    db, client, google, email
):
    response = google.sign_in(client, email=email)

    assert response.status_code == 403
    assert "This account is not allowed" in response.content.decode()
    assert stored_rows() == (0, 0, 0)
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("verified", [False, None, "true", 1])
def test_unverified_address_is_refused_and_nothing_is_stored(db, client, google, verified):
    response = google.sign_in(client, email="ana@corp.example", verified=verified)

    assert response.status_code == 403
    assert "not verified" in response.content.decode()
    assert stored_rows() == (0, 0, 0)
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("answer_with", ["id_token", "userinfo"])
def test_known_google_account_now_outside_the_domains_is_refused_and_left_untouched(
    db, client, google, answer_with
):
    google.answer_with = answer_with
    google.sign_in(client, email="ana@corp.example")
    client.logout()
    before = SocialAccount.objects.get().extra_data

    response = google.sign_in(client, email="ana@gmail.com", name="Someone Else")

    assert response.status_code == 403
    assert SocialAccount.objects.get().extra_data == before
    assert User.objects.get().name == "Ana Pérez"
    assert signed_in_user_id(client) is None


def test_nobody_is_admitted_when_no_domain_is_configured(db, client, google, settings):
    settings.ALLOWED_EMAIL_DOMAINS = []

    response = google.sign_in(client, email="ana@corp.example")

    assert response.status_code == 403
    assert stored_rows() == (0, 0, 0)


def test_admin_emails_grant_staff_and_superuser_on_first_sign_in(db, client, google, settings):
    settings.ADMIN_EMAILS = ["boss@corp.example"]

    google.sign_in(client, email="Boss@corp.example")

    user = User.objects.get()
    assert user.role == "admin"
    assert user.is_staff and user.is_superuser
    assert client.get("/admin/").status_code == 200


def test_admin_emails_grant_admin_to_an_existing_user_on_the_next_sign_in(
    db, client, google, settings
):
    google.sign_in(client, email="boss@corp.example")
    client.logout()
    assert not User.objects.get().is_staff
    settings.ADMIN_EMAILS = ["boss@corp.example"]

    google.sign_in(client, email="boss@corp.example")

    user = User.objects.get()
    assert user.role == "admin"
    assert user.is_staff and user.is_superuser


def test_user_made_in_the_admin_is_linked_on_first_google_sign_in(db, client, google):
    existing = UserFactory(email="ana@corp.example", name="Old Name")
    existing.set_password("a-local-password-1")
    existing.save()

    response = google.sign_in(client, email="ana@corp.example")

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(existing.pk)
    existing.refresh_from_db()
    assert existing.name == "Ana Pérez"
    assert SocialAccount.objects.get().user == existing
    assert User.objects.count() == 1
    # allauth's guard against a password set by someone else before the address was
    # proven: from now on this person signs in with Google.
    assert not existing.has_usable_password()


def test_inactive_user_is_not_signed_in(db, client, google):
    UserFactory(email="ana@corp.example", is_active=False)

    response = google.sign_in(client, email="ana@corp.example")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert signed_in_user_id(client) is None


def test_session_cookie_set_at_sign_in_is_secure_and_http_only(db, client, google):
    response = google.sign_in(client, email="ana@corp.example")

    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"]


def test_callback_without_a_known_state_is_an_error_page(db, client, google):
    response = client.get("/accounts/google/login/callback/", {"state": "forged", "code": "x"})

    assert response.status_code == 401
    assert stored_rows() == (0, 0, 0)


def test_google_refusing_the_code_is_an_error_page(db, client, google):
    google.token_status = 400

    response = google.sign_in(client, email="ana@corp.example")

    assert response.status_code == 401
    assert stored_rows() == (0, 0, 0)


def test_cancelled_google_sign_in_stores_nothing(db, client, google):
    start = client.post("/accounts/google/login/")
    state = parse_qs(start["Location"].partition("?")[2])["state"][0]

    response = client.get(
        "/accounts/google/login/callback/", {"state": state, "error": "access_denied"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/login/cancelled/"
    assert client.get(response["Location"]).status_code == 200
    assert stored_rows() == (0, 0, 0)


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_a_new_sign_in_gets_the_default_staff_role(db, client, google, settings, role):
    settings.DEFAULT_STAFF_ROLE = role

    google.sign_in(client, email="ana@corp.example")

    assert User.objects.get().role == role


def test_a_returning_person_keeps_the_role_an_admin_gave(db, client, google, settings):
    google.sign_in(client, email="ana@corp.example")
    client.logout()
    User.objects.update(role="viewer")
    settings.DEFAULT_STAFF_ROLE = "editor"

    google.sign_in(client, email="ana@corp.example")

    assert User.objects.get().role == "viewer"
