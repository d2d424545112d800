"""Shared report pages, under /r/ on the short-link domain (a short code has no slash, so
`/r/<token>` never shadows one, and the redirect's fast lane passes these paths to Django)."""

from django.urls import path

from . import public

app_name = "shared"

urlpatterns = [
    path("<str:token>", public.page, name="page"),
    path("<str:token>/report.csv", public.report_csv, name="csv"),
    path("<str:token>/logo", public.logo, name="logo"),
    path("<str:token>/theme.css", public.theme, name="theme"),
]
