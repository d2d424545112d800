from django.conf import settings
from django.db import models

from links.models import Client


class PortalInvitation(models.Model):
    """One address admitted to a client's portal (besides the client's portal domains).
    An address is invited to one client at most."""

    email = models.EmailField(unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "portal_invitations"
        ordering = ["email"]

    def __str__(self):
        return f"{self.email} → {self.client}"
