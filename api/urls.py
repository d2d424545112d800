"""/api/v1/: the public API. It authenticates by key, not by session: every view is
exempt from the dashboard's sign-in (and django-ninja's views from CSRF)."""

from django.urls import path

from .v1 import api

_patterns, _app_name, _namespace = api.urls
for _pattern in _patterns:
    _pattern.callback.login_required = False

urlpatterns = [path("api/v1/", (_patterns, _app_name, _namespace))]
