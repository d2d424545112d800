import pytest
from django.core.management import CommandError, call_command

from links.models import Client
from links.tests.factories import ClientFactory
from portal.models import PortalInvitation

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("portal_access", *args, stdout=out)
    return out.getvalue()


def test_it_sets_domains_and_invites_and_says_what_changed(settings):
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    acme = ClientFactory(name="Acme")

    out = run(
        "acme", "--domains", "Acme.example, @acme-shop.example", "--invite", "Boss@Gmail.example"
    )

    acme.refresh_from_db()
    assert acme.portal_domains == ["acme.example", "acme-shop.example"]
    assert PortalInvitation.objects.get().email == "boss@gmail.example"
    assert "Acme: domain added: acme.example" in out
    assert "Acme: domain added: acme-shop.example" in out
    assert "Acme: invited: boss@gmail.example" in out

    again = run("Acme", "--domains", "acme.example", "--invite", "boss@gmail.example")
    assert "domain removed: acme-shop.example" in again
    assert "invited:" not in again

    cleared = run("Acme", "--domains=", "--uninvite", "boss@gmail.example")
    assert "domain removed: acme.example" in cleared
    assert "invitation withdrawn: boss@gmail.example" in cleared
    assert Client.objects.get(pk=acme.pk).portal_domains == []


def test_nothing_changed_is_said_too():
    ClientFactory(name="Acme")

    assert "Acme: nothing changed" in run("Acme")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nobody", "--domains", "x.example"], "No client named"),
        (["Acme", "--domains", "corp.example"], "agency's own domain"),
        (["Acme", "--domains", "bravo.example"], "already opens the portal of Bravo"),
        (["Acme", "--domains", "not a domain"], "is not a domain"),
        (["Acme", "--invite", "ana@corp.example"], "agency's own domain"),
        (["Acme", "--invite", "nope"], "is not an email address"),
    ],
)
def test_refusals(settings, args, message):
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    ClientFactory(name="Acme")
    ClientFactory(name="Bravo", portal_domains=["bravo.example"])

    with pytest.raises(CommandError, match=message):
        run(*args)
    assert Client.objects.get(name="Acme").portal_domains == []
    assert not PortalInvitation.objects.exists()


def test_an_address_is_invited_to_one_client_only():
    ClientFactory(name="Acme")
    ClientFactory(name="Bravo")
    run("Bravo", "--invite", "boss@gmail.example")

    with pytest.raises(CommandError, match="already invited to the portal of Bravo"):
        run("Acme", "--invite", "boss@gmail.example")
