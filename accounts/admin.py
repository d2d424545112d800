from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count

from .forms import AdminUserChangeForm
from .models import User
from .sessions import end_sessions


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    ordering = ["email"]
    list_display = [
        "email",
        "name",
        "role",
        "is_active",
        "link_count",
        "last_login",
        "created_at",
    ]
    list_filter = ["role", "is_active", "created_at"]
    search_fields = ["email", "name"]
    readonly_fields = ["created_at", "updated_at", "last_login"]
    filter_horizontal = ["clients"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "avatar_url"]}),
        # The admin flags (is_staff, is_superuser) follow the role: see docs/roles.md.
        ("Permissions", {"fields": ["is_active", "role", "clients"]}),
        ("Dates", {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "name", "role", "password1", "password2"],
            },
        ),
    ]
    actions = ["end_all_sessions"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(link_count=Count("links"))

    @admin.display(description="Links", ordering="link_count")
    def link_count(self, obj):
        return obj.link_count

    @admin.action(description="Sign the selected people out everywhere")
    def end_all_sessions(self, request, queryset):
        for user in queryset:
            end_sessions(user)
        self.message_user(
            request, f"Signed {len(queryset)} person(s) out everywhere.", messages.SUCCESS
        )
