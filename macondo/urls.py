from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff sign-in (issue 3): allauth's Google login, callback and sign-out.
    path("accounts/", include("allauth.urls")),
]
