import factory
from django.utils import timezone

from analytics.models import Click
from links.tests.factories import LinkFactory


class ClickFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Click

    link = factory.SubFactory(LinkFactory)
    timestamp = factory.LazyFunction(timezone.now)
    ip_address = "81.2.69.142"
    user_agent = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    )
    country = "GB"
    city = "London"
    is_bot = False
    bot_reason = None
