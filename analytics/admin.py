from django.contrib import admin

from .models import Click


@admin.register(Click)
class ClickAdmin(admin.ModelAdmin):
    """Clicks are evidence: admins read them, nobody edits them by hand."""

    list_display = [
        "timestamp",
        "link",
        "human",
        "bot_reason",
        "country",
        "city",
        "ip_address",
        "browser",
        "os",
        "device_type",
    ]
    list_select_related = ["link"]
    list_filter = ["is_bot", "timestamp", "device_type", "link__client"]
    search_fields = ["link__short_code", "ip_address", "country", "city", "bot_reason"]
    show_full_result_count = False
    list_per_page = 100

    @admin.display(boolean=True, ordering="is_bot", description="human")
    def human(self, click):
        return click.is_human

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
