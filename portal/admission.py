"""Who may enter a client's portal: the one place of the rule, for sign-in and for the
forms and command that grant access.

A verified Google address is admitted as a client viewer of a client when its exact domain
is one of the client's `portal_domains` or the address is invited (PortalInvitation). The
agency's own domains (ALLOWED_EMAIL_DOMAINS) are staff and are checked first: they can
never be portal domains or invitations, so no address is ever both. A domain or an address
belongs to one client at most.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import normalize_email
from links.models import Client

from .models import PortalInvitation

_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def domain_of(email):
    return email.rpartition("@")[2].lower()


def is_staff_domain(domain):
    return domain.lower() in {d.lower() for d in settings.ALLOWED_EMAIL_DOMAINS}


def portal_client_for(email):
    """The client whose portal `email` (a verified address) enters, or None.

    Staff addresses never do; an invitation wins over a domain (it names one person)."""
    try:
        validate_email(email)
    except ValidationError:
        return None
    email = normalize_email(email)
    domain = domain_of(email)
    if is_staff_domain(domain):
        return None
    invitation = PortalInvitation.objects.select_related("client").filter(email=email).first()
    if invitation is not None:
        return invitation.client
    return client_of_domain(domain)


def client_of_domain(domain, exclude=None):
    # A JSON array per client: few rows (the agency's clients), read whole.
    clients = Client.objects.exclude(portal_domains=[])
    if exclude is not None:
        clients = clients.exclude(pk=exclude.pk)
    for client in clients.only("pk", "name", "portal_domains"):
        if domain in client.portal_domains:
            return client
    return None


def clean_domains(client, domains):
    """The normalised list of `domains` for `client`, or ValidationError naming each one
    that is malformed, staff's own or another client's."""
    cleaned, errors = [], []
    for raw in domains:
        domain = raw.strip().lower().removeprefix("@")
        if not domain:
            continue
        if not _DOMAIN.fullmatch(domain):
            errors.append(f"“{raw.strip()}” is not a domain such as client.example.")
        elif is_staff_domain(domain):
            errors.append(f"{domain} is the agency's own domain: its people sign in as staff.")
        elif (other := client_of_domain(domain, exclude=client)) is not None:
            errors.append(f"{domain} already opens the portal of {other.name}.")
        elif domain not in cleaned:
            cleaned.append(domain)
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_invitation(client, email):
    """The normalised address to invite to `client`'s portal, or ValidationError."""
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{email}” is not an email address.") from None
    email = normalize_email(email)
    if is_staff_domain(domain_of(email)):
        raise ValidationError(f"{email} is on the agency's own domain: staff, not a client.")
    other = PortalInvitation.objects.filter(email=email).exclude(client=client).first()
    if other is not None:
        raise ValidationError(f"{email} is already invited to the portal of {other.client}.")
    return email
