"""Granting a client's portal access: the one write path of the command and the admin."""

from django.db import transaction

from . import admission
from .models import PortalInvitation


def set_domains(client, domains):
    """Make `domains` the client's portal domains; what changed, in words."""
    wanted = admission.clean_domains(client, domains)
    before = list(client.portal_domains)
    if wanted == before:
        return []
    client.portal_domains = wanted
    client.save(update_fields=["portal_domains", "updated_at"])
    added = [d for d in wanted if d not in before]
    removed = [d for d in before if d not in wanted]
    return [f"domain added: {d}" for d in added] + [f"domain removed: {d}" for d in removed]


@transaction.atomic
def invite(client, emails, invited_by=None):
    """Invite each of `emails` to the client's portal (validated first, all or none)."""
    cleaned = [admission.clean_invitation(client, email) for email in emails if email.strip()]
    changes = []
    for email in dict.fromkeys(cleaned):
        _invitation, created = PortalInvitation.objects.get_or_create(
            email=email, defaults={"client": client, "invited_by": invited_by}
        )
        if created:
            changes.append(f"invited: {email}")
    return changes


def uninvite(client, emails):
    changes = []
    for email in emails:
        email = email.strip().lower()
        if email and PortalInvitation.objects.filter(client=client, email=email).delete()[0]:
            changes.append(f"invitation withdrawn: {email}")
    return changes
