"""Django's admin, open to admins only (accounts.policy), whatever flags a row has."""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig


class MacondoAdminSite(AdminSite):
    def has_permission(self, request):
        # Imported here: this module is loaded with the app registry, before any model.
        from . import policy

        return policy.can(request.user, "admin_site")


class MacondoAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.MacondoAdminSite"
