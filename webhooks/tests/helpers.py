import io

from django.core.management import call_command

from links import services as link_services
from links.tests.factories import ClientFactory
from webhooks.models import Attempt


def deliver():
    """`manage.py deliver_webhooks --once`; returns its output line."""
    out = io.StringIO()
    call_command("deliver_webhooks", "--once", stdout=out)
    return out.getvalue().strip()


def create_link(user, **fields):
    """A link made through the links service, as the dashboard makes one."""
    fields.setdefault("client", ClientFactory())
    fields.setdefault("original_url", "https://shop.example/summer")
    return link_services.create_link(user=user, **fields)


def attempts():
    return list(Attempt.objects.order_by("started_at"))
