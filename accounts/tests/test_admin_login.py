import re

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.tests.factories import UserFactory

PASSWORD = "correct-horse-battery-staple"


def admin_login(client, email, password, ip="198.51.100.7", **headers):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
        **headers,
    )


@pytest.fixture
def root(db):
    user = UserFactory(email="root@corp.example", role="admin")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_createsuperuser_makes_an_admin_identified_by_email(db, client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    call_command("createsuperuser", interactive=False, email="Root@Corp.Example", name="Root")

    user = User.objects.get()
    assert user.email == "root@corp.example"
    assert user.is_staff and user.is_superuser
    response = admin_login(client, "root@corp.example", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # The admin's session opens the staff pages too (local development without Google).
    assert client.get("/accounts/3rdparty/").status_code == 200


def test_admin_login_with_a_wrong_password_shows_the_form_again(client, root):
    response = admin_login(client, root.email, "wrong")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_login_locks_out_after_the_failure_limit(client, root, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert admin_login(client, root.email, "wrong").status_code == 200

    locked = admin_login(client, root.email, "wrong")
    right_password = admin_login(client, root.email, PASSWORD)

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert right_password.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_holds_the_address_and_the_username_but_not_other_admins(client, root, settings):
    other = UserFactory(email="other@corp.example", role="admin")
    other.set_password(PASSWORD)
    other.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, root.email, "wrong", ip="198.51.100.7")

    assert admin_login(client, other.email, PASSWORD, ip="198.51.100.7").status_code == 429
    assert admin_login(client, root.email, PASSWORD, ip="203.0.113.9").status_code == 429
    assert admin_login(client, other.email, PASSWORD, ip="203.0.113.9").status_code == 302


def test_lockout_counts_the_client_behind_a_trusted_proxy(client, root, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_LOCKOUT_PARAMETERS = ["ip_address"]
    proxy = "10.0.0.2"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, root.email, "wrong", ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")

    locked = admin_login(
        client, root.email, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
    )
    elsewhere = admin_login(
        client, root.email, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )

    assert locked.status_code == 429
    assert elsewhere.status_code == 302


def test_forwarded_header_shorter_than_the_trusted_proxies_is_not_an_error(client, root, settings):
    settings.TRUSTED_PROXY_COUNT = 2

    response = admin_login(client, root.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert response.status_code == 302


def test_password_sign_in_from_the_sign_in_page_ends_on_the_dashboard(client, root):
    page = client.get("/dashboard/links/", follow=True).content.decode()
    password_form = re.search(r'href="(/admin/login/\?next=[^"]+)"', page).group(1)

    signed_in = client.post(password_form, {"username": root.email, "password": PASSWORD})

    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/dashboard/links/"
    assert client.get(signed_in["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("debug", "ip", "shows_commands"),
    [
        (True, "127.0.0.1", True),
        # Development server reached from elsewhere, and production: no shell commands.
        (True, "198.51.100.7", False),
        (False, "127.0.0.1", False),
    ],
)
def test_lockout_page_says_how_to_lift_it_only_in_local_development(
    client, root, settings, debug, ip, shows_commands
):
    settings.DEBUG = debug
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, root.email, "wrong", ip=ip)

    locked = admin_login(client, root.email, PASSWORD, ip=ip)

    page = locked.content.decode()
    assert locked.status_code == 429
    assert ("<code>.venv/bin/python manage.py axes_reset</code>" in page) is shows_commands
    assert (f"axes_reset_username {root.email}" in page) is shows_commands
    assert ("manage.py" in page) is shows_commands


def test_spellings_of_one_address_share_one_count_of_failed_attempts(client, root, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    spellings = [
        "Root@corp.example",
        "rOOt@Corp.Example",
        " root@corp.example ",
        "ROOT@CORP.EXAMPLE",
    ]
    # From five addresses, so only the username can be what locks.
    for n, spelling in enumerate(spellings):
        assert admin_login(client, spelling, "wrong", ip=f"198.51.100.{n + 1}").status_code == 200
    fifth = admin_login(client, "root@corp.example", "wrong", ip="198.51.100.9")
    assert fifth.status_code == 429

    for n, spelling in enumerate(spellings):
        locked = admin_login(client, spelling, PASSWORD, ip=f"203.0.113.{n + 1}")
        assert locked.status_code == 429, spelling
    assert "_auth_user_id" not in client.session


def test_four_wrong_attempts_in_any_spelling_do_not_lock(client, root):
    for n, spelling in enumerate(["Root@corp.example", " root@corp.example", "ROOT@corp.example"]):
        admin_login(client, spelling, "wrong", ip=f"198.51.100.{n + 1}")

    assert admin_login(client, " Root@Corp.Example ", PASSWORD, ip="203.0.113.1").status_code == 302
