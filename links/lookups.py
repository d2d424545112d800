"""The one helper that fetches the object a dashboard view works on, or answers 404."""

from django.shortcuts import get_object_or_404

from .models import Campaign, Client, Link

_QUERYSETS = {
    Link: lambda: Link.objects.select_related("client", "campaign", "user"),
    Campaign: lambda: Campaign.objects.select_related("client"),
    Client: lambda: Client.objects.all(),
}


def fetch(model, pk):
    """The `model` row with primary key `pk` (with the relations its pages show), or 404."""
    return get_object_or_404(_QUERYSETS[model](), pk=pk)
