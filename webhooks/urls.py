from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("webhooks/", views.subscription_list, name="list"),
    path("webhooks/new/", views.subscription_create, name="create"),
    path("webhooks/<uuid:pk>/", views.subscription_detail, name="detail"),
    path("webhooks/<uuid:pk>/secret/", views.subscription_secret, name="secret"),
    path("webhooks/<uuid:pk>/rotate/", views.subscription_rotate, name="rotate"),
    path("webhooks/<uuid:pk>/pause/", views.subscription_pause, name="pause"),
    path("webhooks/<uuid:pk>/resume/", views.subscription_resume, name="resume"),
    path("webhooks/<uuid:pk>/delete/", views.subscription_delete, name="delete"),
    path("webhooks/deliveries/<uuid:pk>/", views.delivery_detail, name="delivery"),
]
