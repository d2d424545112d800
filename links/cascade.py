"""What deleting a client, campaign or link takes with it, for the confirmation pages."""

from analytics.models import Click
from links.models import Link


def cascade_counts(*, client=None, campaign=None, link=None):
    """What a delete takes with it: links, campaigns and clicks (bots included)."""
    if link is not None:
        return {"clicks": Click.objects.filter(link=link).count()}
    if campaign is not None:
        # A campaign's links stay (without campaign), and so do their clicks.
        return {"links": Link.objects.filter(campaign=campaign).count()}
    return {
        "campaigns": client.campaigns.count(),
        "links": Link.objects.filter(client=client).count(),
        "clicks": Click.objects.filter(link__client=client).count(),
    }
