"""Who may do what: the one place that decides, for pages, exports, the API and the admin.

`can(user, action, obj)` answers yes or no; `require(user, action, obj)` refuses: an object
outside the clients the person may see is not found (404, so another client's links cannot
even be confirmed to exist), an action the role does not allow is forbidden (403).
`visible_clients(user)` and `scope(queryset, user)` narrow lists to those clients.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Role

ADMIN, EDITOR, VIEWER, CLIENT = Role.ADMIN, Role.EDITOR, Role.VIEWER, Role.CLIENT
_STAFF = frozenset({ADMIN, EDITOR, VIEWER})
_WRITERS = frozenset({ADMIN, EDITOR})
_EVERYONE = _STAFF | {CLIENT}

# Action: the roles allowed it. Documented for people in docs/roles.md.
ACTIONS = {
    # Read pages: overview, clients, campaigns, links, reports, QR codes.
    "view": _EVERYONE,
    # The report CSV (figures per day, country, referrer...: no visitor details).
    "export_report": _EVERYONE,
    # Staff pages a client viewer never sees: every client's lists, bot details, the
    # activity of staff.
    "view_staff_pages": _STAFF,
    # Bot panels with the user agents, networks and reasons behind verdicts.
    "see_bot_details": _STAFF,
    "create_link": _WRITERS,
    "edit_link": _WRITERS,
    "delete_link": _WRITERS,
    # Create and rename clients and campaigns; delete those without clicks.
    "manage_org": _WRITERS,
    # A new client: for staff not limited to some clients (they would not see it).
    "create_client": _WRITERS,
    "import": _WRITERS,
    # Every click as a row (without IP addresses unless see_ips).
    "export_raw": _WRITERS,
    "see_ips": frozenset({ADMIN}),
    "delete_with_clicks": frozenset({ADMIN}),
    "manage_roles": frozenset({ADMIN}),
    "admin_site": frozenset({ADMIN}),
    # Own API keys; what a key may do stays within its owner's role (api_scopes below).
    "api_keys": _STAFF,
    # Webhook events carry links of every client.
    "webhooks": _WRITERS,
    "share": _WRITERS,
    "subscribe_reports": _WRITERS,
}

# Actions that reach every client: not for staff limited to some.
_EVERY_CLIENT = frozenset({"create_client", "webhooks"})

# The API's scopes and the action each needs of the key's owner.
_SCOPE_ACTIONS = {
    "links:read": "view",
    "stats:read": "view",
    "links:write": "edit_link",
    "clients:write": "manage_org",
    "webhooks:read": "webhooks",
    "webhooks:write": "webhooks",
}


def role_of(user):
    """The role that counts now: none for anonymous or deactivated people."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "role", None)


def can(user, action, obj=None):
    """Whether `user` may do `action` (a key of ACTIONS), on `obj` if given."""
    try:
        allowed = ACTIONS[action]
    except KeyError:
        raise ValueError(f"Unknown action {action!r}.") from None
    if role_of(user) not in allowed:
        return False
    if action in _EVERY_CLIENT and is_limited(user):
        return False
    return obj is None or is_visible(user, obj)


def can_delete(user, obj):
    """Whether `user` may delete `obj`, a client, campaign or link: a client or campaign
    that has clicks only by an admin."""
    from links.models import Link

    if isinstance(obj, Link):
        return can(user, "delete_link", obj)
    if not can(user, "manage_org", obj):
        return False
    return not has_clicks(obj) or can(user, "delete_with_clicks", obj)


def require(user, action, obj=None):
    """Raise Http404 if `obj` is outside the user's clients, PermissionDenied if the role
    does not allow `action`; return `obj`."""
    if obj is not None and not is_visible(user, obj):
        raise Http404("No such object.")
    if not can(user, action):
        raise PermissionDenied(f"Your role does not allow this ({action}).")
    return obj


def require_delete(user, obj):
    """As require(), for deleting a client, campaign or link (see can_delete)."""
    if not is_visible(user, obj):
        raise Http404("No such object.")
    if not can_delete(user, obj):
        raise PermissionDenied("Your role does not allow deleting this.")
    return obj


def people_who_may(action):
    """The users who may do `action` now, as a queryset (for rows acting on their behalf,
    such as webhook subscriptions)."""
    from .models import User

    people = User.objects.filter(is_active=True, role__in=ACTIONS[action])
    if action in _EVERY_CLIENT:
        people = people.filter(clients__isnull=True)
    return people


def visible_client_ids(user):
    """The ids of the clients `user` may see, or None for every client.

    Asked once per user object (one request): the answer is kept on it.
    """
    role = role_of(user)
    if role is None:
        return frozenset()
    cached = getattr(user, "_visible_client_ids", False)
    if cached is not False:
        return cached
    ids = None if role == ADMIN else frozenset(user.clients.values_list("pk", flat=True))
    ids = _visible(role, ids)
    user._visible_client_ids = ids
    return ids


def _visible(role, client_ids):
    if role is None:
        return frozenset()
    if role == ADMIN:
        # Admins see everything, the Django admin included: a limit would only mislead.
        return None
    if role != CLIENT and not client_ids:
        # Staff without a limit see every client; a client viewer without one, none.
        return None
    return client_ids


def preload(user, client_ids):
    """Tell visible_client_ids() the ids of `user`'s clients rows, read along with the
    user (the API key lookup): no query of its own then."""
    forget(user)
    user._visible_client_ids = _visible(role_of(user), frozenset(client_ids))


def forget(user):
    """Drop what visible_client_ids() kept, after the person's clients changed."""
    user.__dict__.pop("_visible_client_ids", None)


def visible_clients(user):
    from links.models import Client

    return scope(Client.objects.all(), user)


def is_limited(user):
    """Whether `user` sees only some clients."""
    return visible_client_ids(user) is not None


def client_path(model):
    """The lookup from `model` to its client's id ("pk" for Client itself), or None."""
    from links.models import Client

    if model is Client or (model._meta.concrete_model is Client):
        return "pk"
    names = {f.name for f in model._meta.get_fields()}
    if "client" in names:
        return "client_id"
    if "link" in names:
        return "link__client_id"
    return None


def scope(queryset, user):
    """`queryset` (of clients, campaigns, links, clicks or rows of a link or client)
    narrowed to the clients `user` may see."""
    ids = visible_client_ids(user)
    if ids is None:
        return queryset
    path = client_path(queryset.model)
    if path is None:
        raise ValueError(f"{queryset.model.__name__} rows belong to no client.")
    return queryset.filter(**{f"{path}__in": ids})


def client_id_of(obj):
    """The id of the client `obj` belongs to (a client, campaign, link, click, or anything
    with `client_id` or `link`)."""
    from links.models import Client

    if isinstance(obj, Client):
        return obj.pk
    if hasattr(obj, "client_id"):
        return obj.client_id
    if hasattr(obj, "link"):
        return obj.link.client_id
    raise ValueError(f"{type(obj).__name__} belongs to no client.")


def is_visible(user, obj):
    ids = visible_client_ids(user)
    if ids is None:
        return role_of(user) is not None
    return client_id_of(obj) in ids


def has_clicks(obj):
    from analytics.models import Click
    from links.models import Campaign, Client

    if isinstance(obj, Client):
        return Click.objects.filter(link__client=obj).exists()
    if isinstance(obj, Campaign):
        return Click.objects.filter(link__campaign=obj).exists()
    return Click.objects.filter(link=obj).exists()


def allowed_scopes(user, scopes):
    """The scopes among `scopes` that `user`'s role allows a key of theirs."""
    return [s for s in scopes if s in _SCOPE_ACTIONS and can(user, _SCOPE_ACTIONS[s])]


def key_clients(user, key_client_ids, all_clients):
    """The client ids an API key of `user` may reach: the key's own limit within the
    owner's clients (None: every client)."""
    owner = visible_client_ids(user)
    if all_clients:
        return owner
    key = frozenset(key_client_ids)
    return key if owner is None else key & owner
