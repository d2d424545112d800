from django.contrib import admin, messages
from django.utils import timezone

from . import services
from .models import ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Share links are made on the report pages (the token is shown there once); here they
    are listed and revoked."""

    list_display = ["__str__", "client", "kind", "sections", "expires_at", "revoked_at", "views"]
    list_select_related = ["client", "campaign", "link"]
    list_filter = ["client"]
    actions = ["revoke"]
    readonly_fields = [f.name for f in ShareLink._meta.fields if f.name != "password"]
    exclude = ["password"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected share links")
    def revoke(self, request, queryset):
        now = timezone.now()
        for share in queryset.filter(revoked_at__isnull=True):
            services.revoke(share, now)
        messages.success(request, "Revoked: their pages now answer 410.")
