"""Every way a request can be refused, and what a key may see."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from api import keys
from api.models import ApiKey
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory

from .helpers import Api, fields, problem

LINKS = "/api/v1/links"


@pytest.fixture
def issued(make_key):
    return make_key(scopes=["links:read"])


def test_a_request_without_a_key_is_refused_with_how_to_send_one(db):
    body = problem(Api(None).get(LINKS), 401)
    assert body["code"] == "missing_key"
    assert "Authorization: Bearer" in body["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer mk_short",
        "Token mk_abcdefgh_" + "x" * 43,
        "bearer mk_abcdefgh_" + "x" * 42 + "!",
    ],
    ids=["basic", "no-token", "truncated", "other-scheme", "bad-character"],
)
def test_a_malformed_authorization_header_is_refused(db, header):
    response = Api(None).get(LINKS, headers={"Authorization": header})
    body = problem(response, 401)
    assert body["code"] == "malformed_key"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_well_formed_but_unknown_key_is_refused(db, issued):
    forged = issued.secret[:-4] + ("AAAA" if not issued.secret.endswith("AAAA") else "BBBB")
    assert problem(Api(forged).get(LINKS), 401)["code"] == "unknown_key"


def test_the_scheme_is_case_insensitive_and_the_key_works(issued):
    response = Api(None).get(LINKS, headers={"Authorization": f"bearer {issued.secret}"})
    assert response.status_code == 200


def test_a_revoked_key_is_refused_from_the_next_request_on(issued):
    api = Api(issued.secret)
    assert api.get(LINKS).status_code == 200
    keys.revoke(issued.key)
    assert problem(api.get(LINKS), 401)["code"] == "key_revoked"


def test_an_expired_key_is_refused(make_key):
    issued = make_key(expires_at=timezone.now() + timedelta(minutes=1))
    api = Api(issued.secret)
    assert api.get(LINKS).status_code == 200
    ApiKey.objects.filter(pk=issued.key.pk).update(expires_at=timezone.now())
    assert problem(api.get(LINKS), 401)["code"] == "key_expired"


def test_deactivating_the_owner_disables_their_keys(owner, issued):
    api = Api(issued.secret)
    assert api.get(LINKS).status_code == 200
    owner.is_active = False
    owner.save()
    assert problem(api.get(LINKS), 401)["code"] == "key_owner_inactive"


@pytest.mark.parametrize("name", ["api_key", "key", "access_token", "token"])
def test_a_key_in_the_query_string_is_refused_even_when_right(issued, name):
    response = Api(None).get(LINKS, **{name: issued.secret})
    assert problem(response, 400)["code"] == "key_in_query"
    # Also alongside a valid header, and under any parameter name.
    assert Api(issued.secret).get(LINKS, q=issued.secret).status_code == 400


@pytest.mark.parametrize(
    "scopes, method, url, status",
    [
        (["stats:read"], "get", LINKS, 403),
        (["links:read"], "post", LINKS, 403),
        (["links:read"], "post", "/api/v1/clients", 403),
        (["links:write"], "get", "/api/v1/clients", 200),
        (["stats:read"], "get", "/api/v1/tags", 200),
    ],
)
def test_a_key_does_only_what_its_scopes_allow(api_as, scopes, method, url, status):
    response = getattr(api_as(scopes=scopes), method)(url)
    if status == 403:
        body = problem(response, 403)
        assert body["code"] == "insufficient_scope"
        assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    else:
        assert response.status_code == status


def test_a_key_sees_no_more_than_its_clients_and_outside_them_nothing_leaks(api_as, owner):
    mine, other = ClientFactory(name="Mine"), ClientFactory(name="Other")
    my_link, other_link = LinkFactory(client=mine), LinkFactory(client=other)
    other_campaign = CampaignFactory(client=other)
    api = api_as(clients=[mine])

    assert [item["id"] for item in api.get(LINKS).json()["items"]] == [str(my_link.pk)]
    assert [item["name"] for item in api.get("/api/v1/clients").json()["items"]] == ["Mine"]
    assert api.get("/api/v1/campaigns").json()["items"] == []
    for url in (
        f"/api/v1/links/{other_link.pk}",
        f"/api/v1/links/{other_link.pk}/stats",
        f"/api/v1/links/{other_link.pk}/clicks",
        f"/api/v1/links/{other_link.pk}/clicks.csv",
        f"/api/v1/clients/{other.pk}",
        f"/api/v1/clients/{other.pk}/stats",
        f"/api/v1/campaigns/{other_campaign.pk}",
        f"/api/v1/campaigns/{other_campaign.pk}/clicks",
    ):
        outside = problem(api.get(url), 404)
        missing = problem(
            api.get(url.replace(str(url.split("/")[4]), str(ClientFactory.build().pk))), 404
        )
        assert {**outside, "instance": None} == {**missing, "instance": None}, url
    assert problem(api.delete(f"/api/v1/links/{other_link.pk}"), 404)
    assert problem(api.patch(f"/api/v1/clients/{other.pk}", {"name": "Mine too"}), 404)


def test_a_client_outside_the_restriction_is_refused_as_if_it_did_not_exist(api_as):
    mine, other = ClientFactory(name="Mine"), ClientFactory(name="Other")
    api = api_as(clients=[mine])
    body = {"original_url": "https://example.com/", "client_id": str(other.pk)}
    outside = problem(api.post(LINKS, body), 422)
    missing = problem(api.post(LINKS, {**body, "client_id": str(ClientFactory.build().pk)}), 422)
    assert fields(outside) == {"client_id"}
    assert outside["errors"] == missing["errors"]
    assert (
        problem(api.get(LINKS, client_id=str(other.pk)), 422)["errors"]
        == problem(api.get(LINKS, client_id=str(ClientFactory.build().pk)), 422)["errors"]
    )
    assert problem(api.post("/api/v1/clients", {"name": "New"}), 403)["code"] == "restricted_key"


def test_a_key_whose_clients_were_all_deleted_sees_none_rather_than_all(api_as):
    mine = ClientFactory(name="Mine")
    LinkFactory(client=ClientFactory(name="Other"))
    api = api_as(clients=[mine])
    mine.delete()
    assert api.get(LINKS).json()["items"] == []
    assert api.get("/api/v1/clients").json()["items"] == []


def test_only_the_hash_of_the_secret_is_stored(issued):
    row = ApiKey.objects.values().get(pk=issued.key.pk)
    assert issued.secret not in str(row)
    assert row["secret_hash"] == keys.hash_secret(issued.secret)
    assert issued.secret.startswith(row["prefix"] + "_")


def test_use_is_recorded_with_time_and_address_but_not_written_on_every_request(
    issued, settings, django_assert_num_queries
):
    settings.API_KEY_LAST_USED_INTERVAL = 60
    api = Api(issued.secret)
    api.client.defaults["REMOTE_ADDR"] = "198.51.100.7"
    api.get("/api/v1/tags")
    key = ApiKey.objects.get(pk=issued.key.pk)
    assert key.last_used_ip == "198.51.100.7"
    assert timezone.now() - key.last_used_at < timedelta(seconds=5)
    # The next requests: the key lookup and the page, no UPDATE.
    with django_assert_num_queries(2):
        api.get("/api/v1/tags")


def test_without_redis_every_request_looks_its_key_up(issued, django_assert_num_queries):
    api = Api(issued.secret)
    api.get("/api/v1/tags")
    with django_assert_num_queries(2):  # the key, the tags
        api.get("/api/v1/tags")


def test_with_redis_a_key_is_cached_briefly_and_a_revocation_elsewhere_applies_at_once(
    issued, settings, local_redis, django_assert_num_queries
):
    settings.REDIS_URL = local_redis.url
    settings.API_KEY_CACHE_SECONDS = 60
    api = Api(issued.secret)
    api.get("/api/v1/tags")
    with django_assert_num_queries(1):  # the tags only: the key came from the cache
        assert api.get("/api/v1/tags").status_code == 200
    # Another worker revokes it: the row changes, and the stamp in Redis with it.
    ApiKey.objects.filter(pk=issued.key.pk).update(revoked_at=timezone.now())
    local_redis.client.incr(f"{local_redis.prefix}api-keys:changed")
    assert problem(api.get("/api/v1/tags"), 401)["code"] == "key_revoked"


def test_with_redis_the_cache_still_expires(issued, settings, local_redis):
    settings.REDIS_URL = local_redis.url
    settings.API_KEY_CACHE_SECONDS = 0.2
    api = Api(issued.secret)
    api.get("/api/v1/tags")
    ApiKey.objects.filter(pk=issued.key.pk).update(revoked_at=timezone.now())
    assert api.get("/api/v1/tags").status_code == 200  # unannounced, still cached
    time.sleep(0.3)
    assert problem(api.get("/api/v1/tags"), 401)["code"] == "key_revoked"


def test_a_redis_that_does_not_answer_means_no_cache(issued, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.API_KEY_CACHE_SECONDS = 60
    api = Api(issued.secret)
    assert api.get("/api/v1/tags").status_code == 200
    ApiKey.objects.filter(pk=issued.key.pk).update(revoked_at=timezone.now())
    assert problem(api.get("/api/v1/tags"), 401)["code"] == "key_revoked"


def test_a_key_never_has_more_rights_than_its_owner(db):
    user = UserFactory(is_active=False)
    issued = keys.issue(user=user, name="x", scopes=["links:read"])
    credential = keys.lookup(issued.secret)
    assert not keys.key_may(credential, "links:read")
