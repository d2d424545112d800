import pytest
from django.urls import reverse

from accounts.models import User
from analytics.models import Click
from analytics.tests.factories import ClickFactory
from links.models import Link
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory, TagFactory

CHANGELISTS = [
    "admin:accounts_user_changelist",
    "admin:links_client_changelist",
    "admin:links_campaign_changelist",
    "admin:links_tag_changelist",
    "admin:links_link_changelist",
    "admin:analytics_click_changelist",
]
ADD_PAGES = [
    "admin:accounts_user_add",
    "admin:links_client_add",
    "admin:links_campaign_add",
    "admin:links_tag_add",
    "admin:links_link_add",
]


@pytest.fixture
def some_data(db):
    campaign = CampaignFactory()
    link = LinkFactory(client=campaign.client, campaign=campaign, tags=[TagFactory()])
    ClickFactory(link=link)
    ClickFactory(link=link, is_bot=True, bot_reason="ua:crawler")
    return link


def seed_many_links(count):
    client = ClientFactory()
    campaign = CampaignFactory(client=client)
    user = User.objects.create_user(email=f"bulk{count}@corp.example")
    links = Link.objects.bulk_create(
        Link(
            short_code=f"bulk{count}-{i}",
            original_url=f"https://example.com/{i}",
            user=user,
            client=client,
            campaign=campaign,
        )
        for i in range(count)
    )
    Click.objects.bulk_create(Click(link=link) for link in links for _ in range(2))


@pytest.mark.parametrize("name", CHANGELISTS + ADD_PAGES)
def test_admin_pages_answer_200_for_a_superuser(admin_client, some_data, name):
    assert admin_client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", CHANGELISTS)
def test_admin_pages_send_anonymous_visitors_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_change_pages_answer_200(admin_client, some_data):
    click = some_data.clicks.first()
    for url in [
        reverse("admin:links_link_change", args=[some_data.pk]),
        reverse("admin:links_client_change", args=[some_data.client_id]),
        reverse("admin:links_campaign_change", args=[some_data.campaign_id]),
        reverse("admin:analytics_click_change", args=[click.pk]),
        reverse("admin:accounts_user_change", args=[some_data.user_id]),
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_link_list_shows_human_and_bot_click_counts(admin_client, some_data):
    response = admin_client.get(reverse("admin:links_link_changelist"))
    row = response.context["cl"].result_list.get(pk=some_data.pk)
    assert (row.human_clicks, row.bot_clicks) == (1, 1)


@pytest.mark.parametrize("name", CHANGELISTS)
def test_admin_lists_use_the_same_number_of_queries_for_thousands_of_rows(
    admin_client, django_assert_max_num_queries, name
):
    # More than a page of rows first, so the paginator's count query is in the baseline.
    seed_many_links(150)
    with django_assert_max_num_queries(12) as few:
        assert admin_client.get(reverse(name)).status_code == 200
    seed_many_links(2000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(reverse(name)).status_code == 200


def test_clicks_are_read_only_in_the_admin(admin_client, some_data):
    click = some_data.clicks.first()
    response = admin_client.post(
        reverse("admin:analytics_click_change", args=[click.pk]), {"country": "XX"}
    )
    assert response.status_code == 403
    click.refresh_from_db()
    assert click.country == "GB"
    assert admin_client.get(reverse("admin:analytics_click_add")).status_code == 403


def test_the_admin_refuses_a_campaign_of_another_client(admin_client, owner):
    client = ClientFactory()
    foreign_campaign = CampaignFactory()
    response = admin_client.post(
        reverse("admin:links_link_add"),
        {
            "name": "Poster",
            "original_url": "https://example.com/",
            "short_code": "poster1",
            "user": owner.pk,
            "client": client.pk,
            "campaign": foreign_campaign.pk,
            "is_active": "on",
            "forward_query": "on",
            "link_tags-TOTAL_FORMS": "0",
            "link_tags-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "belongs to another client" in response.content.decode()
    assert not Link.objects.filter(short_code="poster1").exists()


def test_tags_are_editable_on_a_link_in_the_admin(admin_client, some_data):
    tag = TagFactory(name="fresh")
    link = some_data
    data = {
        "name": link.name,
        "original_url": link.original_url,
        "short_code": link.short_code,
        "user": link.user_id,
        "client": link.client_id,
        "campaign": link.campaign_id,
        "is_active": "on",
        "forward_query": "on",
        "link_tags-TOTAL_FORMS": "1",
        "link_tags-INITIAL_FORMS": "0",
        "link_tags-0-tag": tag.pk,
        "link_tags-0-link": link.pk,
    }
    response = admin_client.post(reverse("admin:links_link_change", args=[link.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(link.tags.values_list("name", flat=True)) >= {"fresh"}
