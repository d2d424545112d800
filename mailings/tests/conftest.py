import pytest

from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory
from mailings.models import SECTION_NAMES, ReportSubscription

from .smtp import SMTPServer


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free port; the app sends to it through Django's SMTP backend."""
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        settings.DEFAULT_FROM_EMAIL = "reports@agency.example"
        yield server


def make_subscription(subject=None, **fields):
    fields.setdefault("recipients", ["ana@client.example", "staff@corp.example"])
    fields.setdefault("frequency", "weekly")
    fields.setdefault("sections", list(SECTION_NAMES))
    fields.setdefault("language", "en")
    subject = subject or ClientFactory(name="Acme")
    scope = {"campaign": subject} if hasattr(subject, "client_id") else {"client": subject}
    return ReportSubscription.objects.create(**scope, **fields)


@pytest.fixture
def acme(db):
    client = ClientFactory(name="Acme")
    summer = CampaignFactory(client=client, name="Summer")
    winter = CampaignFactory(client=client, name="Winter")
    return {
        "client": client,
        "summer": summer,
        "winter": winter,
        "poster": LinkFactory(client=client, campaign=summer, name="Poster", short_code="poster"),
        "flyer": LinkFactory(client=client, campaign=winter, name="Flyer", short_code="flyer"),
    }
