"""UTM parameters: the builder on the link form and in the CSV import, per-client rules
wherever a link is written, and the page of links that break them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from links import services
from links.models import Link, UtmRules
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def acme(db):
    return ClientFactory(name="Acme")


def strict_rules(client):
    return UtmRules.objects.create(
        client=client,
        allowed_sources=["newsletter", "facebook"],
        allowed_mediums=["email", "social"],
        required=["utm_source", "utm_medium"],
        lowercase=True,
    )


def post_link(signed_in, client, **fields):
    data = {"original_url": "https://example.com/landing", "client": client.pk, **fields}
    return signed_in.post("/dashboard/links/new/", data)


# --- the builder on the link form ---------------------------------------------------------


def test_the_form_writes_utm_fields_into_the_query_keeping_the_rest(signed_in, acme):
    response = post_link(
        signed_in,
        acme,
        original_url="https://example.com/shop?ref=a&utm_source=old&page=2&utm_source=dup#top",
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="spring",
    )
    assert response.status_code == 302
    assert Link.objects.get().original_url == (
        "https://example.com/shop?ref=a&utm_source=newsletter&page=2"
        "&utm_medium=email&utm_campaign=spring#top"
    )


def test_utm_campaign_defaults_to_the_campaign_name_as_a_slug(signed_in, acme):
    campaign = CampaignFactory(client=acme, name="Summer Sale 2026")
    post_link(signed_in, acme, campaign=campaign.pk, utm_source="poster")
    assert Link.objects.get().original_url == (
        "https://example.com/landing?utm_source=poster&utm_campaign=summer-sale-2026"
    )


def test_no_utm_field_leaves_the_destination_alone(signed_in, acme):
    campaign = CampaignFactory(client=acme, name="Summer")
    post_link(signed_in, acme, campaign=campaign.pk)
    assert Link.objects.get().original_url == "https://example.com/landing"


def test_the_form_offers_campaign_slugs_and_its_script_as_a_file(signed_in, acme):
    CampaignFactory(client=acme, name="Día de la Madre")
    page = signed_in.get("/dashboard/links/new/")
    assert 'data-slug="dia-de-la-madre"' in page.text
    assert 'name="utm_source"' in page.text
    assert "/static/js/utm-builder.js" in page.text
    assert "<script>" not in page.text


def test_editing_shows_the_destinations_utm_values_and_changes_one(signed_in, acme):
    link = LinkFactory(
        client=acme, original_url="https://example.com/?utm_source=flyer&utm_medium=print#x"
    )
    page = signed_in.get(f"/dashboard/links/{link.pk}/edit/")
    assert page.context["form"]["utm_source"].value() == "flyer"
    response = signed_in.post(
        f"/dashboard/links/{link.pk}/edit/",
        {
            "original_url": link.original_url,
            "client": acme.pk,
            "utm_source": "poster",
            "utm_medium": "print",
            "forward_query": "on",
        },
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.original_url == "https://example.com/?utm_source=poster&utm_medium=print#x"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("x" * 201, "the limit is 200"),
        ("news\x00letter", "Null characters are not allowed"),
        ("news\nletter", "control or invisible"),
        ("news\u200bletter", "control or invisible"),
    ],
)
def test_hostile_utm_values_are_refused_next_to_their_field(signed_in, acme, value, words):
    response = post_link(signed_in, acme, utm_source=value)
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors["utm_source"])
    assert not Link.objects.exists()


def test_non_ascii_utm_values_are_percent_encoded(signed_in, acme):
    post_link(signed_in, acme, utm_source="boletín", utm_term="a&b=c #1")
    link = Link.objects.get()
    assert link.original_url == (
        "https://example.com/landing?utm_source=bolet%C3%ADn&utm_term=a%26b%3Dc%20%231"
    )
    page = signed_in.get(f"/dashboard/links/{link.pk}/edit/")
    assert page.context["form"]["utm_term"].value() == "a&b=c #1"


def test_a_destination_made_too_long_by_utm_values_is_refused(signed_in, acme):
    response = post_link(
        signed_in,
        acme,
        original_url="https://example.com/" + "a" * 1900,
        utm_source="s" * 200,
    )
    assert "limit is 2048" in " ".join(response.context["form"].errors["original_url"])
    assert not Link.objects.exists()


# --- client rules -------------------------------------------------------------------------


def test_the_form_refuses_a_link_breaking_its_clients_rules(signed_in, acme):
    strict_rules(acme)
    response = post_link(signed_in, acme, utm_source="Facebook", utm_medium="tv")
    errors = response.context["form"].errors
    assert errors["utm_source"] == ["utm_source must be lowercase: “facebook”, not “Facebook”."]
    assert errors["utm_medium"] == [
        "“tv” is not an allowed utm_medium for client “Acme”; allowed: email, social."
    ]
    assert not Link.objects.exists()


def test_required_parameters_are_asked_for(signed_in, acme):
    strict_rules(acme)
    response = post_link(signed_in, acme, utm_source="newsletter")
    assert response.context["form"].errors["utm_medium"] == [
        "utm_medium is required for client “Acme”."
    ]
    assert not Link.objects.exists()
    post_link(signed_in, acme, utm_source="newsletter", utm_medium="email")
    assert Link.objects.get().original_url.endswith("?utm_source=newsletter&utm_medium=email")


def test_rules_also_read_parameters_pasted_into_the_url(acme, owner):
    strict_rules(acme)
    with pytest.raises(services.ValidationError) as refused:
        services.create_link(
            user=owner,
            client=acme,
            original_url="https://example.com/?utm_source=tiktok&utm_medium=social",
        )
    assert list(refused.value.message_dict) == ["utm_source"]


def test_another_clients_rules_do_not_apply(signed_in, acme):
    strict_rules(ClientFactory(name="Strict"))
    post_link(signed_in, acme, utm_source="Anything")
    assert Link.objects.count() == 1


def test_editing_a_link_is_checked_too(signed_in, acme):
    link = LinkFactory(client=acme, original_url="https://example.com/?utm_source=TV")
    strict_rules(acme)
    response = signed_in.post(
        f"/dashboard/links/{link.pk}/edit/",
        {"original_url": link.original_url, "client": acme.pk, "name": "renamed"},
    )
    assert response.status_code == 200
    assert "utm_source" in response.context["form"].errors
    link.refresh_from_db()
    assert link.name != "renamed"


def test_the_rules_page_saves_and_clears_a_clients_rules(signed_in, acme):
    response = signed_in.post(
        f"/dashboard/clients/{acme.pk}/utm-rules/",
        {
            "allowed_sources": "newsletter, facebook\nnewsletter",
            "allowed_mediums": "",
            "required": ["utm_campaign", "utm_source"],
            "lowercase": "on",
        },
    )
    assert response.status_code == 302
    rules = UtmRules.objects.get(client=acme)
    assert rules.allowed_sources == ["newsletter", "facebook"]
    assert rules.required == ["utm_source", "utm_campaign"]
    assert rules.lowercase is True
    page = signed_in.get(f"/dashboard/clients/{acme.pk}/utm-rules/")
    assert "newsletter, facebook" in page.text
    signed_in.post(f"/dashboard/clients/{acme.pk}/utm-rules/", {"allowed_sources": ""})
    assert not UtmRules.objects.exists()


def test_the_rules_page_refuses_a_value_no_link_could_carry(signed_in, acme):
    response = signed_in.post(
        f"/dashboard/clients/{acme.pk}/utm-rules/", {"allowed_sources": "ok, bad\x07one"}
    )
    assert response.status_code == 200
    assert "cannot be a UTM value" in " ".join(response.context["form"].errors["allowed_sources"])
    assert not UtmRules.objects.exists()


def test_the_page_of_links_breaking_rules_lists_them_with_their_problems(signed_in, acme):
    good = LinkFactory(
        client=acme, original_url="https://example.com/?utm_source=newsletter&utm_medium=email"
    )
    bad = LinkFactory(client=acme, original_url="https://example.com/?utm_source=Radio")
    free = LinkFactory(original_url="https://example.com/?utm_source=Radio")
    strict_rules(acme)
    page = signed_in.get("/dashboard/links/utm-rules/breaking/")
    assert page.status_code == 200
    assert [(link.pk, sorted(problems)) for link, problems in page.context["found"]] == [
        (bad.pk, ["utm_medium", "utm_source"])
    ]
    assert "utm_medium is required for client “Acme”." in page.text
    assert good.short_code not in page.text and free.short_code not in page.text


# --- CSV import ---------------------------------------------------------------------------


def upload(signed_in, text):
    data = text.encode("utf-8")
    return signed_in.post(
        "/dashboard/links/import/", {"file": SimpleUploadedFile("l.csv", data, "text/csv")}
    )


def test_the_import_writes_utm_columns_into_destinations(signed_in, acme):
    CampaignFactory(client=acme, name="Spring Launch")
    upload(
        signed_in,
        "destination,client,campaign,utm_source,utm_medium\n"
        "https://example.com/a?x=1#f,Acme,Spring Launch,newsletter,email\n"
        "https://example.com/b,Acme,,,\n",
    )
    assert sorted(Link.objects.values_list("original_url", flat=True)) == [
        "https://example.com/a?x=1&utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-launch#f",
        "https://example.com/b",
    ]


def test_an_import_breaking_rules_names_each_line_and_creates_nothing(signed_in, acme):
    strict_rules(acme)
    response = upload(
        signed_in,
        "destination,client,utm_source,utm_medium\n"
        "https://example.com/a,Acme,newsletter,email\n"
        "https://example.com/b,Acme,Newsletter,email\n"
        f"https://example.com/c,Acme,{'n' * 300},email\n",
    )
    assert response.context["errors"] == [
        (3, "utm_source: utm_source must be lowercase: “newsletter”, not “Newsletter”."),
        (4, "utm_source: utm_source is 300 characters long; the limit is 200."),
    ]
    assert not Link.objects.exists()


def test_saving_an_edit_unchanged_adds_no_utm_campaign(signed_in, acme):
    campaign = CampaignFactory(client=acme, name="Walk launch")
    link = LinkFactory(
        client=acme, campaign=campaign, original_url="https://example.com/?utm_source=walk"
    )
    page = signed_in.get(f"/dashboard/links/{link.pk}/edit/")
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(client=acme.pk, campaign=campaign.pk, forward_query="on", name="Renamed")
    assert signed_in.post(f"/dashboard/links/{link.pk}/edit/", data).status_code == 302
    link.refresh_from_db()
    assert (link.name, link.original_url) == ("Renamed", "https://example.com/?utm_source=walk")
    data["utm_source"] = "poster"
    signed_in.post(f"/dashboard/links/{link.pk}/edit/", data)
    link.refresh_from_db()
    assert link.original_url == ("https://example.com/?utm_source=poster&utm_campaign=walk-launch")
