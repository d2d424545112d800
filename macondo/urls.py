from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from links import redirect
from macondo import health

urlpatterns = [
    # The site's root is the dashboard (signed-in staff; others are sent to sign in).
    path("", RedirectView.as_view(pattern_name="analytics:overview"), name="home"),
    path("admin/", admin.site.urls),
    # Staff sign-in: allauth's Google login, callback and sign-out.
    path("accounts/", include("allauth.urls")),
    # Operations: the platform probe, public and over plain http.
    path("health", health.health, name="health"),
    # Staff dashboard: metrics pages, then managing links, clients, campaigns.
    path("dashboard/", include("analytics.urls")),
    path("dashboard/", include("links.urls")),
    path("dashboard/", include("webhooks.urls")),
    path("dashboard/", include("mailings.urls")),
    path("dashboard/", include("api.dashboard_urls")),
    path("dashboard/", include("accounts.urls")),
    path("dashboard/", include("sharing.dashboard_urls")),
    # The public API (docs/api.md): keys, not sessions.
    path("", include("api.urls")),
    # Shared report pages, public, on the short-link domain: `/r/<token>` has a slash, so it
    # is never a short code (`/<code>` below, where a code "r" would still be `/r`).
    path("r/", include("sharing.urls")),
    # Short links: keep this LAST, after every app route.
    path("<str:code>", redirect.follow, name="follow_link"),
]

# Error pages (macondo/errors.py): the visitor's or the dashboard's, by path; a database
# outage answered 503. 403 is Django's own view with templates/403.html (staff pages only).
handler400 = "macondo.errors.bad_request"
handler404 = "macondo.errors.page_not_found"
handler500 = "macondo.errors.server_error"
