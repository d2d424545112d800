from django.contrib import admin
from django.urls import path

from macondo import health

urlpatterns = [
    path("admin/", admin.site.urls),
    # Operations (issue 7): the platform probe, public and over plain http.
    path("health", health.health, name="health"),
]
