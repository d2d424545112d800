from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("api-keys/", views.api_keys, name="keys"),
    path("api-keys/<uuid:pk>/revoke/", views.revoke_api_key, name="revoke"),
]
