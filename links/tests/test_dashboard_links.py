from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.tests.factories import ClickFactory
from links.models import Link
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory, TagFactory


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_dashboard_pages_need_a_signed_in_user(client, db):
    response = client.get("/dashboard/links/")
    assert response.status_code == 302
    assert "next=/dashboard/links/" in response["Location"]


def test_the_link_list_says_what_to_do_when_empty(signed_in):
    response = signed_in.get("/dashboard/links/")
    assert response.status_code == 200
    assert "Create your first short link" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=summer", {"sum"}),
        ("q=SUM", {"sum"}),
        ("q=acme", {"sum", "win"}),
        ("q=instagram", {"win"}),
        ("q=example.org", {"oth"}),
        ("q=Spring", {"oth"}),
        ("tag=instagram", {"win"}),
        ("status=inactive", {"oth"}),
        ("status=active", {"sum", "win"}),
    ],
)
def test_the_link_list_searches_and_filters(signed_in, owner, query, expected):
    acme = ClientFactory(name="Acme")
    LinkFactory(client=acme, short_code="sum", name="Summer menu", user=owner)
    LinkFactory(client=acme, short_code="win", tags=[TagFactory(name="Instagram")])
    spring = CampaignFactory(name="Spring")
    LinkFactory(
        client=spring.client,
        campaign=spring,
        short_code="oth",
        original_url="https://example.org/x",
        is_active=False,
    )
    response = signed_in.get(f"/dashboard/links/?{query}")
    assert {link.short_code for link in response.context["links"]} == expected


def test_the_link_list_filters_by_client_campaign_creator_and_dates(signed_in, owner, colleague):
    campaign = CampaignFactory()
    mine = LinkFactory(client=campaign.client, campaign=campaign, user=owner)
    theirs = LinkFactory(user=colleague)
    Link.objects.filter(pk=theirs.pk).update(created_at=timezone.now() - timedelta(days=10))

    def codes(query):
        return {link.pk for link in signed_in.get(f"/dashboard/links/?{query}").context["links"]}

    assert codes(f"client={campaign.client_id}") == {mine.pk}
    assert codes(f"campaign={campaign.pk}") == {mine.pk}
    assert codes(f"creator={colleague.pk}") == {theirs.pk}
    day = (timezone.now() - timedelta(days=5)).date()
    assert codes(f"created_from={day}") == {mine.pk}
    assert codes(f"created_to={day}") == {theirs.pk}


def test_an_invalid_filter_shows_its_error_instead_of_failing(signed_in, db):
    response = signed_in.get("/dashboard/links/?created_from=2026-05-02&created_to=2026-05-01")
    assert response.status_code == 200
    assert "The end date is before the start date." in response.text
    response = signed_in.get("/dashboard/links/?client=not-a-uuid&page=zzz")
    assert response.status_code == 200


@pytest.mark.parametrize("rolled", [False, True], ids=["raw", "rolled-up"])
def test_the_link_list_sorts_by_human_clicks_in_the_period(signed_in, rolled):
    quiet, busy, bots_only = LinkFactory(), LinkFactory(), LinkFactory()
    earlier = timezone.now() - timedelta(days=2)
    ClickFactory.create_batch(2, link=busy, timestamp=earlier)
    ClickFactory(link=busy)
    ClickFactory(link=quiet)
    ClickFactory(link=quiet, timestamp=timezone.now() - timedelta(days=40))
    ClickFactory.create_batch(5, link=bots_only, is_bot=True, timestamp=earlier)
    if rolled:
        call_command("rollup_clicks")
    response = signed_in.get("/dashboard/links/?sort=clicks&period=30")
    rows = [(link.pk, link.period_clicks) for link in response.context["links"]]
    assert rows == [(busy.pk, 3), (quiet.pk, 1), (bots_only.pk, 0)]


def test_the_link_list_paginates(signed_in):
    LinkFactory.create_batch(51)
    first = signed_in.get("/dashboard/links/")
    assert len(first.context["links"]) == 50
    second = signed_in.get("/dashboard/links/?page=2")
    assert len(second.context["links"]) == 1


@pytest.mark.parametrize("count", [1, 50])
def test_the_link_list_has_a_fixed_query_budget(signed_in, django_assert_max_num_queries, count):
    for link in LinkFactory.create_batch(count, tags=[TagFactory()]):
        ClickFactory(link=link)
    with django_assert_max_num_queries(9):
        response = signed_in.get("/dashboard/links/?sort=clicks&q=e")
    assert len(response.context["links"]) == count


def test_creating_a_link_shows_its_short_url(signed_in, owner):
    campaign = CampaignFactory()
    response = signed_in.post(
        "/dashboard/links/new/",
        {
            "name": "Poster",
            "original_url": "https://example.com/poster",
            "client": campaign.client_id,
            "campaign": campaign.pk,
            "tags": "print, Summer",
            "alias": "poster-1",
            "expires_at": "2030-01-01T10:00",
            "forward_query": "on",
        },
        follow=True,
    )
    link = Link.objects.get()
    assert response.redirect_chain[-1][0] == f"/dashboard/links/{link.pk}/"
    assert link.short_code == "poster-1"
    assert link.user == owner
    assert sorted(t.name for t in link.tags.all()) == ["Summer", "print"]
    assert link.forward_query is True
    assert link.expires_at.year == 2030
    assert link.short_url in response.text
    assert 'data-copy="short-url"' in response.text


def test_the_create_form_offers_tag_suggestions_and_prefills_from_the_query(signed_in):
    TagFactory(name="newsletter")
    response = signed_in.get("/dashboard/links/new/?original_url=https://wa.me/571234567")
    assert '<option value="newsletter">' in response.text
    assert 'value="https://wa.me/571234567"' in response.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"original_url": "ftp://example.com"}, "original_url", "Only http and https"),
        ({"original_url": ""}, "original_url", "required"),
        ({"alias": "a b"}, "alias", ""),
        ({"alias": "taken"}, "alias", "already taken"),
        ({"client": ""}, "client", "required"),
        ({"expires_at": "tomorrow"}, "expires_at", "Enter a valid date"),
        ({"tags": "x" * 101}, "tags", "longer than"),
    ],
)
def test_the_create_form_shows_errors_next_to_fields(signed_in, change, field, message):
    LinkFactory(short_code="taken")
    client = ClientFactory()
    data = {"original_url": "https://example.com", "client": client.pk, **change}
    response = signed_in.post("/dashboard/links/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert Link.objects.count() == 1


def test_a_campaign_of_another_client_is_refused_on_the_server(signed_in):
    mine, foreign = ClientFactory(), CampaignFactory()
    response = signed_in.post(
        "/dashboard/links/new/",
        {"original_url": "https://example.com", "client": mine.pk, "campaign": foreign.pk},
    )
    assert "belongs to another client" in " ".join(response.context["form"].errors["campaign"])
    assert not Link.objects.exists()


def test_campaign_options_carry_their_client_for_the_page_script(signed_in):
    campaign = CampaignFactory()
    response = signed_in.get("/dashboard/links/new/")
    assert f'data-client="{campaign.client_id}"' in response.text


def test_editing_a_link_changes_fields_and_tags_but_not_the_code(signed_in):
    link = LinkFactory(short_code="keep", tags=[TagFactory(name="old")])
    campaign = CampaignFactory(client=link.client)
    page = signed_in.get(f"/dashboard/links/{link.pk}/edit/")
    assert 'value="old"' in page.text
    assert "alias" not in page.context["form"].fields
    response = signed_in.post(
        f"/dashboard/links/{link.pk}/edit/",
        {
            "name": "Renamed",
            "original_url": "https://example.com/new",
            "client": link.client_id,
            "campaign": campaign.pk,
            "tags": "new",
        },
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.name, link.short_code, link.campaign) == ("Renamed", "keep", campaign)
    assert [t.name for t in link.tags.all()] == ["new"]
    assert link.forward_query is False  # an unchecked box


def test_editing_with_a_bad_destination_keeps_the_old_one(signed_in):
    link = LinkFactory()
    response = signed_in.post(
        f"/dashboard/links/{link.pk}/edit/",
        {"original_url": "javascript:alert(1)", "client": link.client_id},
    )
    assert "original_url" in response.context["form"].errors
    old = link.original_url
    link.refresh_from_db()
    assert link.original_url == old


def test_deactivating_and_reactivating_a_link(signed_in):
    link = LinkFactory()
    signed_in.post(f"/dashboard/links/{link.pk}/active/", {"active": "0"})
    link.refresh_from_db()
    assert link.is_active is False
    response = signed_in.post(
        f"/dashboard/links/{link.pk}/active/", {"active": "1", "next": "https://evil.example/"}
    )
    link.refresh_from_db()
    assert link.is_active is True
    assert response["Location"] == f"/dashboard/links/{link.pk}/"


def test_toggling_needs_a_post(signed_in):
    link = LinkFactory()
    assert signed_in.get(f"/dashboard/links/{link.pk}/active/").status_code == 405


def test_deleting_a_link_asks_first_and_counts_its_clicks(signed_in):
    link = LinkFactory()
    ClickFactory.create_batch(3, link=link)
    ClickFactory(link=link, is_bot=True)
    page = signed_in.get(f"/dashboard/links/{link.pk}/delete/")
    assert "4 recorded clicks" in page.text
    assert Link.objects.filter(pk=link.pk).exists()
    response = signed_in.post(f"/dashboard/links/{link.pk}/delete/")
    assert response["Location"] == "/dashboard/links/"
    assert not Link.objects.filter(pk=link.pk).exists()


def test_an_unknown_link_is_a_404(signed_in):
    missing = "00000000-0000-0000-0000-000000000000"
    for url in ("/edit/", "/delete/", "/", "/qr.svg"):
        assert signed_in.get(f"/dashboard/links/{missing}{url}").status_code == 404


def test_the_link_list_shows_international_domains_in_their_own_script(signed_in):
    LinkFactory(original_url="https://xn--caf-dma.example/menu")
    assert "https://café.example/menu" in signed_in.get("/dashboard/links/").text
