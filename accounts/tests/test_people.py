"""The People page, signing out everywhere, deactivation and manage.py set_role."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.tests.factories import UserFactory
from links.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    person = UserFactory(email="boss@corp.example", role="admin")
    client.force_login(person)
    return person


def test_the_people_page_lists_everyone_with_role_and_clients(client, admin):
    acme = ClientFactory(name="Acme")
    limited = UserFactory(email="ana@corp.example", role="viewer")
    limited.clients.set([acme])

    page = client.get("/dashboard/people/").content.decode()

    assert "ana@corp.example" in page and "boss@corp.example" in page
    assert 'data-role="viewer"' in page and "Acme" in page


def test_an_admin_changes_a_role_and_the_clients(client, admin):
    acme = ClientFactory(name="Acme")
    person = UserFactory(email="ana@corp.example", role="editor")

    response = client.post(
        f"/dashboard/people/{person.pk}/",
        {"role": "viewer", "clients": [acme.pk], "is_active": "on"},
        follow=True,
    )

    person.refresh_from_db()
    assert person.role == "viewer"
    assert list(person.clients.all()) == [acme]
    assert "role: editor → viewer; clients: every client → Acme" in response.content.decode()


def test_a_client_viewer_needs_exactly_one_client(client, admin):
    person = UserFactory(role="editor")
    a, b = ClientFactory(), ClientFactory()

    for clients in ([], [a.pk, b.pk]):
        response = client.post(
            f"/dashboard/people/{person.pk}/", {"role": "client", "clients": clients}
        )
        assert response.status_code == 200
        assert "exactly one client" in response.content.decode()
    person.refresh_from_db()
    assert person.role == "editor"


def test_an_admin_cannot_demote_or_deactivate_themselves_here(client, admin):
    client.post(f"/dashboard/people/{admin.pk}/", {"role": "viewer"})

    admin.refresh_from_db()
    assert admin.role == "admin" and admin.is_active


def test_signing_a_person_out_everywhere_ends_each_of_their_sessions(client, admin):
    from django.test import Client

    person = UserFactory(email="leaver@corp.example", role="editor")
    laptop, phone = Client(), Client()
    laptop.force_login(person)
    phone.force_login(person)
    assert laptop.get("/dashboard/links/").status_code == 200

    assert client.post(f"/dashboard/people/{person.pk}/sign-out/").status_code == 302

    for device in (laptop, phone):
        response = device.get("/dashboard/links/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    # They may sign in again (they were not deactivated), and the admin is still in.
    laptop.force_login(User.objects.get(pk=person.pk))
    assert laptop.get("/dashboard/links/").status_code == 200
    assert client.get("/dashboard/people/").status_code == 200


def test_sessions_from_before_the_first_sign_out_survive_the_upgrade(client):
    # session_epoch 0 keeps Django's own session hash.
    person = UserFactory()
    client.force_login(person)
    assert person.session_epoch == 0
    assert client.get("/dashboard/links/").status_code == 200


def test_a_deactivated_person_loses_access_at_their_next_request(client, admin):
    from django.test import Client

    person = UserFactory(email="gone@corp.example", role="editor")
    browser = Client()
    browser.force_login(person)
    assert browser.get("/dashboard/links/").status_code == 200

    client.post(
        f"/dashboard/people/{person.pk}/", {"role": "editor", "clients": []}
    )  # is_active unticked

    assert not User.objects.get(pk=person.pk).is_active
    response = browser.get("/dashboard/links/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_admin_can_sign_people_out_and_give_roles(client, admin):
    person = UserFactory(email="ana@corp.example", role="editor")

    changelist = client.get("/admin/accounts/user/")
    client.post(
        "/admin/accounts/user/",
        {"action": "end_all_sessions", "_selected_action": [person.pk]},
    )

    assert changelist.status_code == 200
    assert User.objects.get(pk=person.pk).session_epoch == 1
    change = client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()
    assert 'name="role"' in change and 'name="is_superuser"' not in change


@pytest.mark.parametrize("role", ["editor", "viewer", "client"])
def test_only_admins_open_the_django_admin(client, role):
    client.force_login(UserFactory(role=role))

    response = client.get("/admin/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def set_role(*args):
    out = io.StringIO()
    call_command("set_role", *args, stdout=out)
    return out.getvalue()


def test_set_role_changes_the_role_and_clients_printing_what_changed():
    UserFactory(email="ana@corp.example", role="editor")
    ClientFactory(name="Acme")
    ClientFactory(name="Café Aroma")

    out = set_role("Ana@Corp.Example", "viewer", "--clients", "acme, café aroma")

    assert (
        out
        == "ana@corp.example: role: editor → viewer; clients: every client → Acme, Café Aroma.\n"
    )
    assert (
        set_role("ana@corp.example", "viewer")
        == "ana@corp.example: nothing changed (already viewer).\n"
    )
    assert set_role("ana@corp.example", "admin", "--clients=") == (
        "ana@corp.example: role: viewer → admin; clients: Acme, Café Aroma → every client.\n"
    )
    assert User.objects.get().is_superuser


def test_set_role_creates_nobody_and_refuses_unknown_names():
    UserFactory(email="ana@corp.example", role="editor")

    with pytest.raises(CommandError, match="Nobody with the address"):
        set_role("nobody@corp.example", "admin")
    with pytest.raises(CommandError, match="No client named 'Ghost'"):
        set_role("ana@corp.example", "viewer", "--clients", "Ghost")
    with pytest.raises(CommandError):
        set_role("ana@corp.example", "client")
    assert User.objects.count() == 1
    assert User.objects.get().role == "editor"
