from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff dashboard (issue 6): metrics pages, then managing links, clients, campaigns.
    path("dashboard/", include("analytics.urls")),
    path("dashboard/", include("links.urls")),
]
