"""Who may come in through Google: verified addresses on the agency's own domains (staff),
then the addresses a client's portal admits (client viewers, portal/admission.py)."""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404
from django.shortcuts import render

from .models import Role, User, normalize_email


def is_allowed_email(email):
    """True when `email` is well formed and the exact domain after its last "@" is allowed.

    Exact and after the last "@": corp.example.evil.com, evilcorp.example and
    "corp.example"@evil.com all stay out when only corp.example is allowed.
    """
    try:
        validate_email(email)
    except ValidationError:
        return False
    domain = email.rpartition("@")[2].lower()
    return domain in {d.lower() for d in settings.ALLOWED_EMAIL_DOMAINS}


def is_admin_email(email):
    return normalize_email(email) in {e.lower() for e in settings.ADMIN_EMAILS}


def google_identity(sociallogin):
    """(email, verified) exactly as Google reported them.

    The id_token says `email_verified`, the userinfo endpoint `verified_email`; only a
    JSON true counts.
    """
    data = sociallogin.account.extra_data
    email = data.get("email")
    verified = data.get("email_verified") is True or data.get("verified_email") is True
    return (email if isinstance(email, str) else ""), verified


def admission(email, verified):
    """(normalised email, None) for staff, (email, client) for a client viewer of that
    client, or None: who a Google identity is here. The staff rule comes first."""
    if not verified:
        return None
    if is_allowed_email(email):
        return normalize_email(email), None
    from portal.admission import portal_client_for

    client = portal_client_for(email)
    return (normalize_email(email), client) if client is not None else None


class GoogleAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        # The first hook that sees Google's answer, called before allauth looks up (and
        # saves) an existing social account: refusing here stores nothing.
        email, client = self.admitted(request, sociallogin)
        user = super().populate_user(request, sociallogin, data)
        user.email = email
        copy_google_profile(user, sociallogin)
        if client is not None:
            user.role = Role.CLIENT
        return user

    def pre_social_login(self, request, sociallogin):
        # A returning user (by Google account or by email): refresh name, avatar, admin,
        # and the portal's client, which an account manager may have changed since.
        if sociallogin.is_existing:
            user = sociallogin.user
            _email, client = self.admitted(request, sociallogin)
            was_client_viewer = user.role == Role.CLIENT
            copy_google_profile(user, sociallogin)
            if client is not None:
                user.role = Role.CLIENT
            elif was_client_viewer:
                # Now on a staff domain: staff, and no longer held to the portal's client.
                user.role = settings.DEFAULT_STAFF_ROLE
            user.save(update_fields=["name", "avatar_url", "role", "updated_at"])
            if client is not None:
                user.clients.set([client])
            elif was_client_viewer:
                user.clients.clear()

    def admitted(self, request, sociallogin):
        email, verified = google_identity(sociallogin)
        admitted = admission(email, verified)
        if admitted is None:
            raise ImmediateHttpResponse(not_allowed(request, email, verified=verified))
        return admitted

    def save_user(self, request, sociallogin, form=None):
        # Right before the first INSERT, the rule once more; and the address is always
        # Google's verified one, never fields of allauth's social sign-up form (form=None),
        # should that form ever be reached.
        email, client = self.admitted(request, sociallogin)
        if sociallogin.user.email != email:
            raise ImmediateHttpResponse(not_allowed(request, sociallogin.user.email))
        sociallogin.user.role = Role.CLIENT if client is not None else sociallogin.user.role
        user = super().save_user(request, sociallogin, form=None)
        if client is not None:
            user.clients.set([client])
        return user

    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            # No GOOGLE_CLIENT_ID here (local development): a plain 404, not a crash.
            raise Http404("Google sign-in is not configured on this server.") from None


def copy_google_profile(user, sociallogin):
    data = sociallogin.account.extra_data
    name = data.get("name") or " ".join(
        part for part in (data.get("given_name"), data.get("family_name")) if part
    )
    if isinstance(name, str) and name.strip():
        user.name = name.strip()[: User._meta.get_field("name").max_length]
    picture = data.get("picture")
    max_length = User._meta.get_field("avatar_url").max_length
    # Rendered as an <img src>: only an https URL that fits the column is kept.
    if isinstance(picture, str) and picture.startswith("https://") and len(picture) <= max_length:
        user.avatar_url = picture
    if is_admin_email(user.email):
        # Never lowered here: removing an address from ADMIN_EMAILS leaves the role alone.
        user.role = Role.ADMIN


def not_allowed(request, email, *, verified=True):
    return render(
        request,
        "accounts/not_allowed.html",
        {"email": email, "verified": verified},
        status=403,
    )
