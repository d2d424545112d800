from django.contrib import admin
from django.urls import include, path

from macondo import health

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff sign-in (issue 3): allauth's Google login, callback and sign-out.
    path("accounts/", include("allauth.urls")),
    # Operations (issue 7): the platform probe, public and over plain http.
    path("health", health.health, name="health"),
    # Staff dashboard (issue 6): metrics pages, then managing links, clients, campaigns.
    path("dashboard/", include("analytics.urls")),
    path("dashboard/", include("links.urls")),
]
