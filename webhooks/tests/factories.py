import factory

from accounts.tests.factories import UserFactory
from webhooks.models import EVENT_TYPES, Subscription


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    owner = factory.SubFactory(UserFactory)
    url = factory.Sequence(lambda n: f"https://hooks{n}.example.com/macondo")
    events = factory.LazyFunction(lambda: [name for name, _label in EVENT_TYPES])
