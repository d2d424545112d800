import factory

from accounts.tests.factories import UserFactory
from links.models import Campaign, Client, Link, LinkTag, Tag


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    client = factory.SubFactory(ClientFactory)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Link
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Link {n}")
    original_url = factory.Sequence(lambda n: f"https://example.com/page/{n}")
    short_code = factory.Sequence(lambda n: f"code{n:04d}")
    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    campaign = None

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        for tag in extracted or []:
            LinkTag.objects.create(link=self, tag=tag)
