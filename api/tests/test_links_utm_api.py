"""UTM parameters through the API: the `utm` object on create, bulk create and change,
and the client's UTM rules with the dashboard's messages."""

from links.models import Link, UtmRules
from links.tests.factories import CampaignFactory, LinkFactory

from .helpers import fields, problem

LINKS = "/api/v1/links"


def new_link(client, **extra):
    return {
        "original_url": "https://example.com/landing?a=1#f",
        "client_id": str(client.pk),
        **extra,
    }


def test_creating_a_link_writes_its_utm_parameters(api, acme):
    campaign = CampaignFactory(client=acme, name="Black Friday")
    response = api.post(
        LINKS,
        new_link(acme, campaign_id=str(campaign.pk), utm={"source": "newsletter", "term": "ñ"}),
    )
    assert response.status_code == 201, response.content
    assert response.json()["original_url"] == (
        "https://example.com/landing?a=1&utm_source=newsletter&utm_term=%C3%B1"
        "&utm_campaign=black-friday#f"
    )


def test_rule_violations_are_field_errors_and_nothing_is_created(api, acme):
    UtmRules.objects.create(client=acme, allowed_mediums=["email"], required=["utm_medium"])
    body = problem(api.post(LINKS, new_link(acme, utm={"source": "x"})), 422)
    assert body["errors"] == [
        {
            "field": "utm.medium",
            "code": "utm_rule",
            "message": "utm_medium is required for client “Acme”.",
        }
    ]
    body = problem(api.post(LINKS, new_link(acme, utm={"medium": "sms"})), 422)
    assert body["errors"][0]["message"] == (
        "“sms” is not an allowed utm_medium for client “Acme”; allowed: email."
    )
    assert not Link.objects.exists()


def test_hostile_values_are_refused(api, acme):
    body = problem(
        api.post(LINKS, new_link(acme, utm={"source": "a" * 5000, "content": "x\ty"})), 422
    )
    assert fields(body) == {"utm.source", "utm.content"}
    body = problem(api.post(LINKS, new_link(acme, utm={"campaign": "a\x00b"})), 422)
    assert fields(body) == {"utm.campaign"}
    body = problem(api.post(LINKS, new_link(acme, utm={"sauce": "x"})), 422)
    assert not Link.objects.exists()


def test_bulk_create_reports_the_item_that_breaks_the_rules(api, acme):
    UtmRules.objects.create(client=acme, lowercase=True)
    body = problem(
        api.post(
            LINKS + "/bulk",
            {"links": [new_link(acme, utm={"source": "ok"}), new_link(acme, utm={"source": "OK"})]},
        ),
        422,
    )
    assert [(error["index"], error["field"]) for error in body["errors"]] == [
        (1, "links.1.utm.source")
    ]
    assert not Link.objects.exists()
    response = api.post(
        LINKS + "/bulk", {"links": [new_link(acme, utm={"source": "ok"}), new_link(acme)]}
    )
    assert response.status_code == 201, response.content
    assert sorted(Link.objects.values_list("original_url", flat=True)) == [
        "https://example.com/landing?a=1#f",
        "https://example.com/landing?a=1&utm_source=ok#f",
    ]


def test_changing_a_links_utm_parameters(api, acme):
    link = LinkFactory(client=acme, original_url="https://example.com/?utm_source=a&keep=1")
    url = f"{LINKS}/{link.pk}"
    response = api.patch(url, {"utm": {"source": "b", "medium": "email"}})
    assert response.status_code == 200, response.content
    assert response.json()["original_url"] == (
        "https://example.com/?utm_source=b&keep=1&utm_medium=email"
    )
    UtmRules.objects.create(client=acme, allowed_sources=["b"])
    body = problem(api.patch(url, {"utm": {"source": "c"}}), 422)
    assert fields(body) == {"utm.source"}
    link.refresh_from_db()
    assert "utm_source=b" in link.original_url
