"""create_api_key and revoke_api_key, for operators and scripts."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import UserFactory
from api.models import ApiKey
from links.tests.factories import ClientFactory

from .helpers import Api, problem


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_api_key_prints_the_secret_alone_on_its_last_line(owner):
    acme = ClientFactory(name="Café Aroma")
    ClientFactory(name="Other")
    output = run(
        "create_api_key",
        "--user",
        " OWNER@corp.example ",
        "--scopes",
        "links:read, stats:read",
        "--name",
        "Sheets",
        "--clients",
        "café aroma",
    )
    secret = output.splitlines()[-1]
    key = ApiKey.objects.get()
    assert secret.startswith(key.prefix + "_") and secret not in output.splitlines()[0]
    assert key.user == owner and key.name == "Sheets"
    assert key.scopes == ["links:read", "stats:read"]
    assert list(key.clients.all()) == [acme]
    assert [c["name"] for c in Api(secret).get("/api/v1/clients").json()["items"]] == [acme.name]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--user", "nobody@corp.example", "--scopes", "links:read"], "No user"),
        (["--user", "owner@corp.example", "--scopes", "links:admin"], "Unknown scope"),
        (["--user", "owner@corp.example", "--scopes", ","], "at least one scope"),
        (
            ["--user", "owner@corp.example", "--scopes", "links:read", "--clients", "Nope"],
            "No client",
        ),
    ],
)
def test_create_api_key_explains_what_is_wrong(owner, args, words):
    with pytest.raises(CommandError, match=words):
        run("create_api_key", *args)
    assert not ApiKey.objects.exists()


def test_create_api_key_refuses_an_inactive_owner(db):
    UserFactory(email="gone@corp.example", is_active=False)
    with pytest.raises(CommandError, match="not active"):
        run("create_api_key", "--user", "gone@corp.example", "--scopes", "links:read")


def test_revoke_api_key_takes_the_prefix(owner):
    secret = run("create_api_key", "--user", owner.email, "--scopes", "links:read").splitlines()[-1]
    api = Api(secret)
    assert api.get("/api/v1/links").status_code == 200
    prefix = ApiKey.objects.get().prefix
    assert "Revoked" in run("revoke_api_key", prefix + "…")
    assert problem(api.get("/api/v1/links"), 401)["code"] == "key_revoked"
    assert "already revoked" in run("revoke_api_key", secret)


def test_revoke_api_key_says_when_no_key_matches(db):
    with pytest.raises(CommandError, match="No API key"):
        run("revoke_api_key", "mk_nothing1")


def test_create_api_key_makes_a_webhooks_key(owner):
    output = run("create_api_key", "--user", owner.email, "--scopes", "webhooks:write")
    assert ApiKey.objects.get().scopes == ["webhooks:write"]
    answer = Api(output.splitlines()[-1]).post(
        "/api/v1/webhooks", {"url": "https://hooks.example.com/", "events": ["link.created"]}
    )
    assert answer.status_code == 201, answer.content
