import pytest


def test_sign_in_page_has_one_google_button_and_no_password_field(db, client, google):
    response = client.get("/accounts/login/?next=/links/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Sign in with Google") == 1
    assert 'action="/accounts/google/login/?next=%2Flinks%2F"' in page
    assert 'method="post"' in page
    assert 'type="password"' not in page
    csrf_cookie = response.cookies["csrftoken"]
    assert csrf_cookie["secure"] and csrf_cookie["httponly"]


@pytest.mark.parametrize(
    ("sign_in_url", "password_form"),
    [
        # Then the password form returns to the dashboard, not to the admin.
        ("/accounts/login/", "/admin/login/?next=/dashboard/"),
        ("/accounts/login/?next=/dashboard/links/", "/admin/login/?next=/dashboard/links/"),
    ],
)
def test_sign_in_page_without_google_credentials_points_to_the_password_form(
    db, client, sign_in_url, password_form
):
    response = client.get(sign_in_url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Sign in with Google" not in page
    assert "not configured" in page
    assert f'href="{password_form}"' in page


def test_google_login_without_credentials_is_not_found(db, client):
    assert client.post("/accounts/google/login/").status_code == 404


def test_password_sign_in_through_allauth_is_refused(db, client, superuser):
    superuser.set_password("a-long-password-1")
    superuser.save()

    response = client.post(
        "/accounts/login/", {"login": superuser.email, "password": "a-long-password-1"}
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "url", ["/accounts/signup/", "/accounts/password/reset/", "/accounts/email/"]
)
def test_there_is_no_password_sign_up_or_reset(db, client, url):
    assert client.get(url).status_code == 404
