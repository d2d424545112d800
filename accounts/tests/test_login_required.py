import contextlib
import uuid
from urllib.parse import quote

import pytest
from django.urls import NoReverseMatch, URLResolver, converters, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

# allauth's pages a signed-out visitor must reach (all marked @login_not_required by
# allauth 65 itself): the sign-in page, the Google login and callback, sign-out, and the
# pages the flow ends on.
ALLAUTH_PUBLIC = {
    "account_login",
    "account_logout",
    "account_inactive",
    "google_login",
    "google_callback",
    "google_login_by_token",
    "socialaccount_login_cancelled",
    "socialaccount_signup",
}
# Where the public views of other features live (the redirect, the health check).
# The health probe, a short link, and a shared report page with its CSV, logo and colours.
PUBLIC_PATHS = [
    "/health",
    "/Ab3dEf7h",
    "/r/token",
    "/r/token/report.csv",
    "/r/token/logo",
    "/r/token/theme.css",
]
# The API's views take no session: each operation authenticates by key (api/tests/test_auth.py,
# and test_reference.py checks every operation of the document names its key);
# its document and reference page are public.
API_NAMESPACE = "api-v1:"

SAMPLE_VALUES = {
    converters.IntConverter: 1,
    converters.UUIDConverter: uuid.UUID(int=1),
    converters.PathConverter: "sample/path",
}


def named_routes(patterns=None, namespace="", route_converters=None):
    """(qualified name, view, {kwarg: converter}) for every named URL pattern."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        found = dict(route_converters or {})
        if isinstance(entry.pattern, RoutePattern):
            found.update(entry.pattern.converters)
        else:
            found.update({name: None for name in entry.pattern.regex.groupindex})
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_routes(entry.url_patterns, inner, found)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry.callback, found


def sample_url(name, kwarg_converters):
    kwargs = {
        kwarg: SAMPLE_VALUES.get(type(converter), "sample")
        for kwarg, converter in kwarg_converters.items()
    }
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        pytest.fail(f"No sample URL for {name!r}: add a value for its arguments to this test.")


def staff_pages():
    return [
        sample_url(name, kwarg_converters)
        for name, view, kwarg_converters in named_routes()
        if not name.startswith("admin:") and getattr(view, "login_required", True)
    ]


def test_the_staff_page_list_is_not_empty():
    # allauth's account connections page at least; the dashboard and reports add more.
    assert "/accounts/3rdparty/" in staff_pages()


@pytest.mark.parametrize("url", staff_pages())
def test_anonymous_visitor_of_a_staff_page_is_sent_to_sign_in_and_back(db, client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(url, safe='/')}"


@pytest.mark.parametrize("url", staff_pages())
def test_anonymous_post_to_a_staff_page_is_sent_to_sign_in(db, client, url):
    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def views_at(paths):
    views = set()
    for path in paths:
        with contextlib.suppress(Resolver404):  # that feature is not built yet
            views.add(resolve(path).func)
    return views


def test_only_sign_in_redirect_and_health_views_are_public():
    allowed_views = views_at(PUBLIC_PATHS)

    unexpected = [
        name
        for name, view, _ in named_routes()
        if not name.startswith(("admin:", API_NAMESPACE))
        and not getattr(view, "login_required", True)
        and name not in ALLAUTH_PUBLIC
        and view not in allowed_views
    ]

    assert unexpected == [], "public views nobody decided to make public"


@pytest.mark.urls("accounts.tests.urls")
def test_public_view_costs_no_session_or_user_query(db, client, owner, django_assert_num_queries):
    client.force_login(owner)

    with django_assert_num_queries(0):
        response = client.get("/probe/public")

    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.urls("accounts.tests.urls")
def test_signed_in_user_opens_a_staff_page(db, client, owner):
    client.force_login(owner)

    response = client.get("/probe/staff")

    assert response.status_code == 200
    assert response.content.decode() == "staff owner@corp.example"


@pytest.mark.urls("accounts.tests.urls")
def test_anonymous_visitor_of_an_unmarked_view_is_sent_to_sign_in(db, client):
    response = client.get("/probe/staff?x=1")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/probe/staff%3Fx%3D1"


def test_admin_sends_anonymous_visitors_to_its_own_login_form(db, client):
    response = client.get("/admin/links/link/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/links/link/"


@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/user/", "/admin/links/link/"])
def test_signed_in_user_who_is_not_staff_cannot_open_the_admin(db, client, owner, url):
    client.force_login(owner)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert client.get(response["Location"]).status_code == 200


def test_staff_user_opens_the_admin(db, admin_client):
    assert admin_client.get("/admin/").status_code == 200
