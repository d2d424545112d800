import pytest

from analytics.tests.factories import ClickFactory
from links.models import Campaign, Client, Link
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_creating_a_client(signed_in):
    response = signed_in.post("/dashboard/clients/new/", {"name": "Acme"})
    acme = Client.objects.get(name="Acme")
    assert response["Location"] == f"/dashboard/clients/{acme.pk}/"


@pytest.mark.parametrize("name", ["Acme", ""])
def test_a_duplicate_or_empty_client_name_is_a_field_error(signed_in, name):
    ClientFactory(name="Acme")
    response = signed_in.post("/dashboard/clients/new/", {"name": name})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert Client.objects.count() == 1


def test_renaming_a_client(signed_in):
    acme = ClientFactory(name="Acme")
    ClientFactory(name="Taken")
    bad = signed_in.post(f"/dashboard/clients/{acme.pk}/rename/", {"name": "Taken"})
    assert "name" in bad.context["form"].errors
    signed_in.post(f"/dashboard/clients/{acme.pk}/rename/", {"name": "Acme Corp"})
    acme.refresh_from_db()
    assert acme.name == "Acme Corp"


def test_deleting_a_client_counts_what_goes_with_it(admin_client):
    # A client with clicks: only an admin deletes it.
    signed_in = admin_client
    acme = ClientFactory()
    campaign = CampaignFactory(client=acme)
    link = LinkFactory(client=acme, campaign=campaign)
    LinkFactory(client=acme)
    ClickFactory.create_batch(2, link=link)
    page = signed_in.get(f"/dashboard/clients/{acme.pk}/delete/")
    assert "1 campaign</strong>" in page.text
    assert "2 links</strong>" in page.text
    assert "2 recorded clicks" in page.text
    signed_in.post(f"/dashboard/clients/{acme.pk}/delete/")
    assert not Client.objects.exists()
    assert not Link.objects.exists()


def test_the_client_list_counts_campaigns_and_links_and_searches(signed_in):
    acme = ClientFactory(name="Acme")
    CampaignFactory.create_batch(2, client=acme)
    LinkFactory.create_batch(3, client=acme)
    ClientFactory(name="Zeta")
    response = signed_in.get("/dashboard/clients/?q=acm")
    rows = [(c.name, c.campaign_count, c.link_count) for c in response.context["page"]]
    assert rows == [("Acme", 2, 3)]


def test_the_client_list_says_what_to_do_when_empty(signed_in):
    assert "Create the first client" in signed_in.get("/dashboard/clients/").text


def test_creating_a_campaign_for_a_client(signed_in):
    acme = ClientFactory()
    page = signed_in.get(f"/dashboard/campaigns/new/?client={acme.pk}")
    assert page.context["form"].initial["client"] == acme.pk
    response = signed_in.post("/dashboard/campaigns/new/", {"client": acme.pk, "name": "Summer"})
    campaign = Campaign.objects.get()
    assert response["Location"] == f"/dashboard/campaigns/{campaign.pk}/"


def test_campaign_names_are_unique_within_a_client_only(signed_in):
    first = CampaignFactory(name="Summer")
    same = signed_in.post(
        "/dashboard/campaigns/new/", {"client": first.client_id, "name": "Summer"}
    )
    assert same.status_code == 200
    assert same.context["form"].errors
    other = signed_in.post(
        "/dashboard/campaigns/new/", {"client": ClientFactory().pk, "name": "Summer"}
    )
    assert other.status_code == 302


def test_renaming_a_campaign_to_a_sibling_name_is_a_field_error(signed_in):
    summer = CampaignFactory(name="Summer")
    winter = CampaignFactory(name="Winter", client=summer.client)
    response = signed_in.post(f"/dashboard/campaigns/{winter.pk}/rename/", {"name": "Summer"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    signed_in.post(f"/dashboard/campaigns/{winter.pk}/rename/", {"name": "Autumn"})
    winter.refresh_from_db()
    assert winter.name == "Autumn"


def test_deleting_a_campaign_keeps_its_links(signed_in):
    campaign = CampaignFactory()
    link = LinkFactory(client=campaign.client, campaign=campaign)
    page = signed_in.get(f"/dashboard/campaigns/{campaign.pk}/delete/")
    assert "1 link</strong> stay" in page.text
    signed_in.post(f"/dashboard/campaigns/{campaign.pk}/delete/")
    link.refresh_from_db()
    assert link.campaign is None


def test_the_campaign_list_filters_by_client(signed_in):
    mine = CampaignFactory(name="Mine")
    CampaignFactory(name="Theirs")
    response = signed_in.get(f"/dashboard/campaigns/?client={mine.client_id}")
    assert [c.name for c in response.context["page"]] == ["Mine"]
    assert signed_in.get("/dashboard/campaigns/?client=nonsense").status_code == 200


@pytest.mark.parametrize("count", [1, 50])
def test_client_and_campaign_lists_have_a_fixed_query_budget(
    signed_in, django_assert_max_num_queries, count
):
    for _ in range(count):
        LinkFactory(campaign=None)
        CampaignFactory()
    # The page's rows, counts, and human clicks (watermark, rollups, raw clicks).
    with django_assert_max_num_queries(8):
        signed_in.get("/dashboard/clients/")
    with django_assert_max_num_queries(8):
        signed_in.get("/dashboard/campaigns/")


@pytest.mark.parametrize("url", ["/dashboard/clients/new/", "/dashboard/campaigns/new/"])
def test_new_client_and_campaign_pages_have_one_separator_between_crumbs(signed_in, url):
    html = signed_in.get(url).content.decode()
    crumbs = html.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert "› ›" not in " ".join(crumbs.split())
    assert crumbs.count("›") == 1
