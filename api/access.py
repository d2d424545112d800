"""What the request's key may see and do, in the shapes endpoints need."""

from links.models import Campaign, Client, Link, Tag

from .keys import key_may
from .problems import not_found


def credential(request):
    return request.auth


def may_see_client(request, scope, client_id):
    return key_may(credential(request), scope, client_id)


def clients(request):
    """The clients the key may see (all, or its restriction)."""
    key = credential(request)
    queryset = Client.objects.all()
    if key.client_ids is not None:
        queryset = queryset.filter(pk__in=key.client_ids)
    return queryset


def within(queryset, request, field):
    """`queryset` narrowed to the key's clients through `field` (a client id lookup)."""
    key = credential(request)
    if key.client_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": key.client_ids})


def links(request, queryset=None):
    queryset = queryset if queryset is not None else Link.objects.all()
    return within(queryset, request, "client_id")


def campaigns(request):
    return within(Campaign.objects.select_related("client"), request, "client_id")


def tags():
    # Tags are shared by every client: no restriction narrows them.
    return Tag.objects.all()


def get_or_404(queryset, pk, what):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        # A row outside the key's clients is answered exactly like one that does not exist.
        raise not_found(what)
    return obj
