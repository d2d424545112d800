from django import forms
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError

from links.models import Client

from . import roles
from .models import Role


class RoleRuleMixin:
    """Checks a form's role against its clients (accounts.roles.check), each error on its
    field: the People page and the admin apply the same rule."""

    def clean(self):
        data = super().clean()
        if "role" in data and "clients" in data:
            try:
                roles.check(data["role"], list(data["clients"]))
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data


class PersonForm(RoleRuleMixin, forms.Form):
    """A person's role and clients, on the People page."""

    role = forms.ChoiceField(choices=Role.choices)
    clients = forms.ModelMultipleChoiceField(
        queryset=Client.objects.order_by("name"),
        required=False,
        help_text="Staff: only these clients (none chosen: every client). "
        "A client viewer: their one client.",
    )
    is_active = forms.BooleanField(
        label="Active (may sign in)",
        required=False,
        help_text="Unticked: the person loses access at their next request.",
    )


class AdminUserChangeForm(RoleRuleMixin, UserChangeForm):
    """The admin's user form, with the same rule on roles and clients."""
