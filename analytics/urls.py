from django.urls import path

from . import compare, views

app_name = "analytics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("compare/", compare.compare, name="compare"),
    path("links/<uuid:pk>/", views.link_report, name="link"),
    path("clients/<uuid:pk>/", views.client_report, name="client"),
    path("campaigns/<uuid:pk>/", views.campaign_report, name="campaign"),
    path(
        "clients/<uuid:pk>/invalid-traffic/",
        views.invalid_traffic,
        {"kind": "clients"},
        name="client-invalid-traffic",
    ),
    path(
        "campaigns/<uuid:pk>/invalid-traffic/",
        views.invalid_traffic,
        {"kind": "campaigns"},
        name="campaign-invalid-traffic",
    ),
    path(
        "clients/<uuid:pk>/invalid-traffic.csv",
        views.invalid_traffic_csv,
        {"kind": "clients"},
        name="client-invalid-traffic-csv",
    ),
    path(
        "campaigns/<uuid:pk>/invalid-traffic.csv",
        views.invalid_traffic_csv,
        {"kind": "campaigns"},
        name="campaign-invalid-traffic-csv",
    ),
    path("<kind>/<uuid:pk>/clicks.csv", views.clicks_csv, name="clicks-csv"),
    path("<kind>/<uuid:pk>/report.csv", views.report_csv, name="report-csv"),
]
