"""The dashboard's scheduled-report pages, through HTTP."""

import pytest

from links.tests.factories import CampaignFactory, ClientFactory
from mailings.models import Delivery, ReportSubscription

from .conftest import make_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def form(**fields):
    data = {
        "recipients": "Ana@Client.example\nstaff@corp.example, ana@client.example",
        "frequency": "monthly",
        "sections": ["chart", "top_links"],
        "language": "es",
    }
    data.update(fields)
    return data


def test_creating_a_clients_scheduled_report(signed_in, owner):
    acme = ClientFactory(name="Acme")
    page = signed_in.get(f"/dashboard/clients/{acme.pk}/")
    assert f"/dashboard/clients/{acme.pk}/scheduled-reports/new/" in page.content.decode()
    response = signed_in.post(f"/dashboard/clients/{acme.pk}/scheduled-reports/new/", form())
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/clients/{acme.pk}/"
    subscription = ReportSubscription.objects.get()
    assert subscription.client == acme and subscription.campaign is None
    assert subscription.recipients == ["ana@client.example", "staff@corp.example"]
    assert (subscription.frequency, subscription.language) == ("monthly", "es")
    assert subscription.sections == ["chart", "top_links"]
    assert subscription.created_by == owner
    page = signed_in.get(f"/dashboard/clients/{acme.pk}/").content.decode()
    assert "ana@client.example, staff@corp.example" in page


def test_creating_a_campaigns_scheduled_report(signed_in):
    summer = CampaignFactory(name="Summer")
    response = signed_in.post(
        f"/dashboard/campaigns/{summer.pk}/scheduled-reports/new/", form(frequency="weekly")
    )
    assert response["Location"] == f"/dashboard/campaigns/{summer.pk}/"
    assert ReportSubscription.objects.get().campaign == summer


@pytest.mark.parametrize(
    ("recipients", "message"),
    [
        ("ana@client.example, not-an-address", "Not an email address: not-an-address."),
        ("", "This field is required."),
        (" , ", "Give at least one recipient."),
    ],
)
def test_bad_recipients_are_a_field_error(signed_in, recipients, message):
    acme = ClientFactory()
    response = signed_in.post(
        f"/dashboard/clients/{acme.pk}/scheduled-reports/new/", form(recipients=recipients)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["recipients"] == [message]
    assert not ReportSubscription.objects.exists()


def test_an_unknown_client_or_frequency_is_refused(signed_in):
    missing = "00000000-0000-0000-0000-000000000000"
    assert signed_in.get(f"/dashboard/clients/{missing}/scheduled-reports/new/").status_code == 404
    acme = ClientFactory()
    response = signed_in.post(
        f"/dashboard/clients/{acme.pk}/scheduled-reports/new/", form(frequency="daily")
    )
    assert "frequency" in response.context["form"].errors


def test_editing_and_pausing(signed_in):
    subscription = make_subscription()
    url = f"/dashboard/scheduled-reports/{subscription.pk}/edit/"
    assert "ana@client.example\nstaff@corp.example" in signed_in.get(url).content.decode()
    response = signed_in.post(url, form(recipients="new@client.example", language="en"))
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.recipients == ["new@client.example"]
    assert subscription.is_active is False  # the box was not ticked


def test_deleting_asks_first(signed_in):
    subscription = make_subscription()
    url = f"/dashboard/scheduled-reports/{subscription.pk}/delete/"
    assert "Delete scheduled report" in signed_in.get(url).content.decode()
    assert ReportSubscription.objects.exists()
    response = signed_in.post(url)
    assert response["Location"] == f"/dashboard/clients/{subscription.client_id}/"
    assert not ReportSubscription.objects.exists()


def test_send_latest_now_sends_once(signed_in, smtp_server):
    subscription = make_subscription()
    url = f"/dashboard/scheduled-reports/{subscription.pk}/send/"
    assert signed_in.get(url).status_code == 405
    first = signed_in.post(url, follow=True)
    assert "sent." in first.content.decode()
    second = signed_in.post(url, follow=True)
    assert "already sent" in second.content.decode()
    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert len(smtp_server.inbox.wait_for(1)) == 1


def test_signed_out_visitors_are_sent_to_sign_in(client):
    acme = ClientFactory()
    response = client.get(f"/dashboard/clients/{acme.pk}/scheduled-reports/new/")
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_the_admin_lists_and_validates_subscriptions(admin_client):
    acme = ClientFactory()
    response = admin_client.post(
        "/admin/mailings/reportsubscription/add/",
        {
            "client": acme.pk,
            "recipients": "bad",
            "frequency": "weekly",
            "language": "en",
            "is_active": "on",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Not an email address: bad." in response.content.decode()
    make_subscription(acme)
    assert admin_client.get("/admin/mailings/reportsubscription/").status_code == 200
    assert admin_client.get("/admin/mailings/delivery/").status_code == 200


@pytest.fixture
def viewer(client):
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory(email="viewer@corp.example", role="viewer"))
    return client


def test_viewers_see_scheduled_reports_but_cannot_change_or_send_them(viewer, smtp_server):
    subscription = make_subscription()
    acme = subscription.client
    page = viewer.get(f"/dashboard/clients/{acme.pk}/").content.decode()
    assert "ana@client.example" in page
    assert "scheduled-reports/new/" not in page and "Send latest now" not in page
    new = f"/dashboard/clients/{acme.pk}/scheduled-reports/new/"
    assert viewer.get(new).status_code == 403
    assert viewer.post(new, form()).status_code == 403
    base = f"/dashboard/scheduled-reports/{subscription.pk}"
    assert viewer.get(f"{base}/edit/").status_code == 403
    assert viewer.post(f"{base}/edit/", form()).status_code == 403
    assert viewer.post(f"{base}/delete/").status_code == 403
    assert viewer.post(f"{base}/send/").status_code == 403
    assert ReportSubscription.objects.count() == 1
    assert not Delivery.objects.exists()
    assert smtp_server.received == []


def test_an_editor_limited_to_other_clients_finds_nothing(client):
    from accounts.tests.factories import UserFactory

    other = ClientFactory(name="Other")
    editor = UserFactory(email="limited@corp.example", role="editor")
    editor.clients.set([other])
    client.force_login(editor)
    subscription = make_subscription()
    acme = subscription.client
    assert client.get(f"/dashboard/clients/{acme.pk}/scheduled-reports/new/").status_code == 404
    base = f"/dashboard/scheduled-reports/{subscription.pk}"
    assert client.get(f"{base}/edit/").status_code == 404
    assert client.post(f"{base}/delete/").status_code == 404
    assert client.post(f"{base}/send/").status_code == 404
    assert ReportSubscription.objects.count() == 1
