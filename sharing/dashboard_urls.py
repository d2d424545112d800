from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("clients/<uuid:pk>/share/", views.manage, {"kind": "clients"}, name="manage-client"),
    path("campaigns/<uuid:pk>/share/", views.manage, {"kind": "campaigns"}, name="manage-campaign"),
    path("links/<uuid:pk>/share/", views.manage, {"kind": "links"}, name="manage-link"),
    path("shares/<uuid:pk>/revoke/", views.revoke, name="revoke"),
]
