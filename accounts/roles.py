"""Giving a person a role and clients: the one write path of the People page, the admin's
user form and manage.py set_role."""

from django.core.exceptions import ValidationError

from . import policy
from .models import Role


def check(role, clients):
    """Refuse a role that does not exist, or a client viewer without exactly one client."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}: one of {', '.join(Role.values)}."})
    if role == Role.CLIENT and len(clients) != 1:
        raise ValidationError({"clients": "A client viewer belongs to exactly one client."})


def _names(clients):
    return ", ".join(sorted(c.name for c in clients)) or "every client"


def assign(user, role, clients=None, *, is_active=None):
    """Give `user` the `role`, (unless None) exactly these `clients` and active state; the
    list of what changed, in words ("role: editor → viewer")."""
    current = list(user.clients.all())
    wanted = current if clients is None else list(clients)
    if role == Role.ADMIN:
        # Admins see every client (accounts.policy): no limit is kept for them.
        wanted = []
    check(role, wanted)
    changes, fields = [], []
    if user.role != role:
        changes.append(f"role: {user.role} → {role}")
        user.role = role
        fields.append("role")
    if is_active is not None and user.is_active != is_active:
        changes.append("active" if is_active else "deactivated")
        user.is_active = is_active
        fields.append("is_active")
    if fields:
        user.save(update_fields=[*fields, "updated_at"])
    if {c.pk for c in wanted} != {c.pk for c in current}:
        changes.append(f"clients: {_names(current)} → {_names(wanted)}")
        user.clients.set(wanted)
    policy.forget(user)
    return changes
