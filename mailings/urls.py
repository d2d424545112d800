from django.urls import path

from . import views

app_name = "mailings"

urlpatterns = [
    path(
        "clients/<uuid:pk>/scheduled-reports/new/",
        views.subscription_create,
        {"kind": "clients"},
        name="create-for-client",
    ),
    path(
        "campaigns/<uuid:pk>/scheduled-reports/new/",
        views.subscription_create,
        {"kind": "campaigns"},
        name="create-for-campaign",
    ),
    path("scheduled-reports/<uuid:pk>/edit/", views.subscription_edit, name="edit"),
    path("scheduled-reports/<uuid:pk>/delete/", views.subscription_delete, name="delete"),
    path("scheduled-reports/<uuid:pk>/send/", views.subscription_send, name="send"),
]
