from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<uuid:pk>/", views.person, name="person"),
    path("people/<uuid:pk>/sign-out/", views.person_sign_out, name="person-sign-out"),
]
