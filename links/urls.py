from django.urls import path

from .views import branding, bulk, links, organisation, share, utm

app_name = "links"

urlpatterns = [
    path("links/", links.link_list, name="list"),
    path("links/new/", links.link_create, name="create"),
    path("links/import/", bulk.link_import, name="import"),
    path("links/import/template.csv", bulk.link_import_template, name="import-template"),
    path("links/export.csv", bulk.link_export, name="export"),
    path("links/<uuid:pk>/edit/", links.link_edit, name="edit"),
    path("links/<uuid:pk>/active/", links.link_toggle, name="toggle"),
    path("links/<uuid:pk>/delete/", links.link_delete, name="delete"),
    path("links/<uuid:pk>/qr.svg", share.link_qr, {"fmt": "svg"}, name="qr-svg"),
    path("links/<uuid:pk>/qr.png", share.link_qr, {"fmt": "png"}, name="qr-png"),
    path("links/<uuid:pk>/qr/", share.link_qr_options, name="qr-options"),
    path("clients/", organisation.client_list, name="clients"),
    path("clients/new/", organisation.client_create, name="client-create"),
    path("clients/<uuid:pk>/rename/", organisation.client_rename, name="client-rename"),
    path("clients/<uuid:pk>/utm-rules/", utm.client_utm_rules, name="client-utm-rules"),
    path("links/utm-rules/breaking/", utm.utm_breaking_links, name="utm-breaking"),
    path("clients/<uuid:pk>/delete/", organisation.client_delete, name="client-delete"),
    path("clients/<uuid:pk>/branding/", branding.client_branding, name="client-branding"),
    path("clients/<uuid:pk>/logo", branding.client_logo, name="client-logo"),
    path("clients/<uuid:pk>/theme.css", branding.client_theme, name="client-theme"),
    path("campaigns/", organisation.campaign_list, name="campaigns"),
    path("campaigns/new/", organisation.campaign_create, name="campaign-create"),
    path("campaigns/<uuid:pk>/rename/", organisation.campaign_rename, name="campaign-rename"),
    path("campaigns/<uuid:pk>/delete/", organisation.campaign_delete, name="campaign-delete"),
    path("tools/whatsapp/", share.whatsapp_tool, name="whatsapp"),
]
