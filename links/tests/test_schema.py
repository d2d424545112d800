"""The Macondo schema's rules, proven by acting on the database itself."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from accounts.tests.factories import UserFactory
from analytics.models import Click
from analytics.tests.factories import ClickFactory
from links.models import Campaign, Client, Link, LinkTag, Tag
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory, TagFactory


def raw_delete(table, pk):
    # Raw SQL: Django's Python-side on_delete emulation is not involved.
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{table}" WHERE id = %s', [pk])


@pytest.fixture
def tagged_link(db):
    campaign = CampaignFactory()
    link = LinkFactory(client=campaign.client, campaign=campaign, tags=[TagFactory()])
    ClickFactory.create_batch(3, link=link)
    return link


def test_deleting_a_user_in_sql_deletes_their_links_and_clicks(tagged_link):
    raw_delete("users", tagged_link.user_id)
    assert not Link.objects.filter(pk=tagged_link.pk).exists()
    assert Click.objects.count() == 0
    assert LinkTag.objects.count() == 0
    assert Client.objects.filter(pk=tagged_link.client_id).exists()


def test_deleting_a_client_in_sql_deletes_its_campaigns_and_links(tagged_link):
    raw_delete("clients", tagged_link.client_id)
    assert Campaign.objects.count() == 0
    assert Link.objects.count() == 0
    assert Click.objects.count() == 0
    assert User.objects.filter(pk=tagged_link.user_id).exists()


def test_deleting_a_campaign_in_sql_keeps_its_links_without_campaign(tagged_link):
    raw_delete("campaigns", tagged_link.campaign_id)
    tagged_link.refresh_from_db()
    assert tagged_link.campaign_id is None
    assert tagged_link.clicks.count() == 3


def test_deleting_a_link_in_sql_deletes_its_tag_assignments_and_clicks(tagged_link):
    tag = tagged_link.tags.get()
    raw_delete("links", tagged_link.pk)
    assert Click.objects.count() == 0
    assert LinkTag.objects.count() == 0
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_deleting_a_tag_in_sql_deletes_only_its_assignments(tagged_link):
    tag = tagged_link.tags.get()
    raw_delete("tags", tag.pk)
    assert LinkTag.objects.count() == 0
    assert Link.objects.filter(pk=tagged_link.pk).exists()


def test_every_foreign_key_of_the_schema_carries_its_on_delete_rule(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT rel.relname, att.attname, con.confdeltype
            FROM pg_constraint con
            JOIN pg_class rel ON rel.oid = con.conrelid
            JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
            WHERE con.contype = 'f'
              AND rel.relname IN ('campaigns', 'links', 'link_tags', 'clicks')
            """
        )
        rules = {(table, column): rule for table, column, rule in cursor.fetchall()}
    # 'c' = CASCADE, 'n' = SET NULL
    assert rules == {
        ("campaigns", "client_id"): "c",
        ("links", "user_id"): "c",
        ("links", "client_id"): "c",
        ("links", "campaign_id"): "n",
        ("link_tags", "link_id"): "c",
        ("link_tags", "tag_id"): "c",
        ("clicks", "link_id"): "c",
    }


def test_deleting_through_the_orm_follows_the_same_rules(tagged_link):
    tagged_link.campaign.delete()
    tagged_link.refresh_from_db()
    assert tagged_link.campaign is None
    tagged_link.client.delete()
    assert Link.objects.count() == 0 and Click.objects.count() == 0


@pytest.mark.parametrize(
    "make_duplicate",
    [
        pytest.param(
            lambda: User.objects.bulk_create(
                [User(email="a@corp.example")] * 1 + [User(email="a@corp.example")]
            ),
            id="users.email",
        ),
        pytest.param(
            lambda: Client.objects.bulk_create([Client(name="Acme"), Client(name="Acme")]),
            id="clients.name",
        ),
        pytest.param(
            lambda: Tag.objects.bulk_create([Tag(name="promo"), Tag(name="promo")]), id="tags.name"
        ),
        pytest.param(
            lambda: Tag.objects.bulk_create([Tag(name="Summer"), Tag(name="summer")]),
            id="tags.name-case-insensitive",
        ),
    ],
)
def test_the_database_rejects_duplicate_names(db, make_duplicate):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_duplicate()


def test_the_database_rejects_a_duplicate_short_code(db):
    first = LinkFactory(short_code="poster")
    duplicate = Link(
        short_code="poster",
        original_url="https://example.com",
        user=first.user,
        client=first.client,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.bulk_create([duplicate])


def test_the_database_rejects_a_second_campaign_of_the_same_name_for_a_client(db):
    campaign = CampaignFactory(name="Launch")
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.bulk_create([Campaign(name="Launch", client=campaign.client)])
    # Another client may reuse the name.
    Campaign.objects.create(name="Launch", client=ClientFactory())
    assert Campaign.objects.filter(name="Launch").count() == 2


def test_the_database_rejects_a_tag_assigned_twice_to_a_link(tagged_link):
    tag = tagged_link.tags.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        LinkTag.objects.bulk_create([LinkTag(link=tagged_link, tag=tag)])


def test_a_link_cannot_take_a_campaign_of_another_client(db):
    foreign_campaign = CampaignFactory()
    link = LinkFactory.build(client=ClientFactory(), campaign=foreign_campaign, user=UserFactory())
    with pytest.raises(ValidationError) as error:
        link.full_clean()
    assert "campaign" in error.value.message_dict
    assert "belongs to another client" in error.value.message_dict["campaign"][0]


def test_a_link_may_take_a_campaign_of_its_own_client(db):
    campaign = CampaignFactory()
    link = LinkFactory.build(client=campaign.client, campaign=campaign, user=UserFactory())
    link.full_clean()
