from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from macondo import health

urlpatterns = [
    # The site's root is the dashboard (signed-in staff; others are sent to sign in).
    path("", RedirectView.as_view(pattern_name="analytics:overview"), name="home"),
    path("admin/", admin.site.urls),
    # Staff sign-in (issue 3): allauth's Google login, callback and sign-out.
    path("accounts/", include("allauth.urls")),
    # Operations (issue 7): the platform probe, public and over plain http.
    path("health", health.health, name="health"),
    # Staff dashboard (issue 6): metrics pages, then managing links, clients, campaigns.
    path("dashboard/", include("analytics.urls")),
    path("dashboard/", include("links.urls")),
]
