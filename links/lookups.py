"""The one helper that fetches the object a dashboard view works on, or refuses."""

from django.shortcuts import get_object_or_404

from accounts import policy

from .models import Campaign, Client, Link

_QUERYSETS = {
    Link: lambda: Link.objects.select_related("client", "campaign", "user"),
    Campaign: lambda: Campaign.objects.select_related("client"),
    Client: lambda: Client.objects.all(),
}


def fetch(user, model, pk, action="view"):
    """The `model` row with primary key `pk` (with the relations its pages show) if `user`
    may do `action` on it: 404 when it is missing or outside the user's clients, 403 when
    the role does not allow the action (accounts.policy.require)."""
    obj = get_object_or_404(policy.scope(_QUERYSETS[model](), user), pk=pk)
    return policy.require(user, action, obj)
