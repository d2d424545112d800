import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from links import services
from links.models import Link, Tag
from links.shortcodes import GENERATED_ALPHABET, GENERATED_LENGTH
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory, TagFactory


@pytest.fixture
def client_obj(db):
    return ClientFactory(name="Acme")


def create(owner, client_obj, **kwargs):
    kwargs.setdefault("original_url", "https://example.com/landing")
    return services.create_link(user=owner, client=client_obj, **kwargs)


def test_a_new_link_gets_a_random_seven_character_code_without_look_alikes(owner, client_obj):
    link = create(owner, client_obj, name="Landing")
    assert len(link.short_code) == GENERATED_LENGTH
    assert set(link.short_code) <= set(GENERATED_ALPHABET)
    assert not set("0Oo1lI") & set(GENERATED_ALPHABET)
    assert Link.objects.get(pk=link.pk).name == "Landing"


def test_a_link_carries_its_campaign_tags_expiry_and_switches(owner, client_obj):
    campaign = CampaignFactory(client=client_obj)
    link = create(
        owner,
        client_obj,
        campaign=campaign,
        tags=" Summer , promo,summer,, ",
        forward_query=False,
    )
    link.refresh_from_db()
    assert link.campaign == campaign
    assert sorted(link.tags.values_list("name", flat=True)) == ["Summer", "promo"]
    assert link.forward_query is False and link.is_active is True


def test_tags_are_one_tag_regardless_of_case(owner, client_obj):
    TagFactory(name="Summer")
    create(owner, client_obj, tags=["summer", "SUMMER"])
    assert list(Tag.objects.values_list("name", flat=True)) == ["Summer"]


def test_a_campaign_of_another_client_is_refused_and_nothing_is_written(owner, client_obj):
    with pytest.raises(ValidationError) as error:
        create(owner, client_obj, campaign=CampaignFactory(), tags=["new-tag"])
    assert "campaign" in error.value.message_dict
    assert not Link.objects.exists()
    assert not Tag.objects.exists()


def test_a_bad_destination_is_a_field_error(owner, client_obj):
    with pytest.raises(ValidationError) as error:
        create(owner, client_obj, original_url="javascript:alert(1)")
    assert "original_url" in error.value.message_dict


def test_a_custom_alias_becomes_the_code(owner, client_obj):
    assert create(owner, client_obj, alias="Summer_Sale-26").short_code == "Summer_Sale-26"


@pytest.mark.parametrize(
    "alias", ["ab", "x" * 51, "has space", "slash/y", "dot.ted", "ünï", "admin", "Static", "health"]
)
def test_hostile_or_reserved_aliases_are_refused(owner, client_obj, alias):
    with pytest.raises(ValidationError) as error:
        create(owner, client_obj, alias=alias)
    assert "alias" in error.value.message_dict
    assert not Link.objects.exists()


def test_a_taken_alias_is_refused_with_its_name(owner, client_obj):
    LinkFactory(short_code="promo")
    for alias in ["promo", "PROMO"]:
        with pytest.raises(ValidationError) as error:
            create(owner, client_obj, alias=alias)
        assert error.value.message_dict["alias"] == [f"The alias “{alias}” is already taken."]


def test_codes_are_case_sensitive(owner, client_obj):
    LinkFactory(short_code="AbCdEfG")
    other = LinkFactory(short_code="abcdefg")
    assert Link.objects.get(short_code="abcdefg") == other


def test_a_code_collision_is_retried_until_a_free_code(owner, client_obj, monkeypatch):
    LinkFactory(short_code="taken77")
    codes = iter(["taken77", "taken77", "freeone"])
    monkeypatch.setattr(services, "generate_code", lambda: next(codes))
    assert create(owner, client_obj).short_code == "freeone"


@pytest.mark.django_db(transaction=True)
def test_links_created_at_the_same_moment_get_distinct_codes(monkeypatch):
    from accounts.tests.factories import UserFactory

    owner = UserFactory()
    client_obj = ClientFactory()
    # A tiny code space makes collisions certain, so the database constraint must decide.
    pool = ["aaaaaaa", "bbbbbbb", "ccccccc", "ddddddd", "eeeeeee", "fffffff", "ggggggg"]
    monkeypatch.setattr(services, "_CODE_ATTEMPTS", 50)
    import random

    monkeypatch.setattr(services, "generate_code", lambda: random.choice(pool))
    barrier = threading.Barrier(6)
    made, errors = [], []

    def worker():
        try:
            barrier.wait()
            made.append(create(owner, client_obj).short_code)
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(made) == 6 and len(set(made)) == 6


def test_updating_a_link_keeps_its_code_and_replaces_tags(owner, client_obj):
    link = create(owner, client_obj, tags="a,b")
    services.update_link(link, name="Renamed", original_url="https://example.org/x", tags="b,c")
    link.refresh_from_db()
    assert link.name == "Renamed" and link.original_url == "https://example.org/x"
    assert sorted(link.tags.values_list("name", flat=True)) == ["b", "c"]
    with pytest.raises(TypeError):
        services.update_link(link, short_code="new")


def test_deactivating_keeps_the_code_and_the_clicks(owner, client_obj):
    from analytics.tests.factories import ClickFactory

    link = create(owner, client_obj)
    ClickFactory(link=link)
    services.set_active(link, False)
    link.refresh_from_db()
    assert link.is_active is False and link.clicks.count() == 1
    assert not Link.objects.live().filter(pk=link.pk).exists()


def test_create_links_follows_create_links_rules_in_a_fixed_number_of_queries(owner, client_obj):
    campaign = CampaignFactory(client=client_obj)

    def rows(count, start):
        return [
            {
                "client": client_obj,
                "campaign": campaign,
                "original_url": f" https://bücher.example/{n} ",
                "tags": "Summer, summer, promo",
                "alias": f"alias-{n}" if n % 7 == 0 else None,
            }
            for n in range(start, start + count)
        ]

    queries = []
    for count, start in ((3, 0), (40, 100)):
        with CaptureQueriesContext(connection) as captured:
            links = services.create_links(user=owner, links=rows(count, start))
        queries.append(len(captured))
        assert len({link.short_code for link in links}) == count
    # The first call also created the two tags.
    assert queries[1] <= queries[0] <= queries[1] + 8
    stored = Link.objects.get(short_code="alias-105")
    assert stored.original_url == "https://xn--bcher-kva.example/105"
    assert stored.campaign == campaign
    assert set(stored.tags.values_list("name", flat=True)) == {"promo", "Summer"}
    assert Tag.objects.count() == 2


def test_create_links_refuses_all_and_names_each_refused_link(owner, client_obj):
    LinkFactory(short_code="Taken")
    rows = [
        {"client": client_obj, "original_url": "https://example.com/ok"},
        {"client": client_obj, "original_url": "ftp://example.com/"},
        {"client": client_obj, "original_url": "https://example.com/", "alias": "taken"},
        {"client": client_obj, "original_url": "https://example.com/", "alias": "new-one"},
        {"client": client_obj, "original_url": "https://example.com/", "alias": "NEW-ONE"},
        {
            "client": client_obj,
            "original_url": "https://example.com/",
            "campaign": CampaignFactory(),
        },
    ]
    with pytest.raises(services.LinksRefused) as refused:
        services.create_links(user=owner, links=rows)
    errors = {index: error.message_dict for index, error in refused.value.errors.items()}
    assert set(errors) == {1, 2, 4, 5}
    assert errors[2] == {"alias": ["The alias “taken” is already taken."]}
    assert errors[4] == {"alias": ["The alias “NEW-ONE” is also given at index 3."]}
    assert "campaign" in errors[5]
    assert Link.objects.count() == 1


def test_create_links_settles_a_code_collision_one_by_one(owner, client_obj, monkeypatch):
    LinkFactory(short_code="taken77")
    codes = iter(["taken77", "free001", "free002", "free003"])
    monkeypatch.setattr(services, "generate_code", lambda: next(codes))
    rows = [{"client": client_obj, "original_url": "https://example.com/", "tags": "a"}] * 2
    links = services.create_links(user=owner, links=rows)
    assert sorted(link.short_code for link in links) == ["free002", "free003"]
    assert Link.objects.filter(tags__name="a").count() == 2
