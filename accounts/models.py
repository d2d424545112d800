import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.crypto import salted_hmac


class Role(models.TextChoices):
    """What a person may do; accounts/policy.py holds what each role allows."""

    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"
    # A person of one of the agency's clients, who reads that client's figures only.
    CLIENT = "client", "Client viewer"


STAFF_ROLES = (Role.ADMIN, Role.EDITOR, Role.VIEWER)


def default_staff_role():
    return settings.DEFAULT_STAFF_ROLE


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=normalize_email(email), **extra)
        if password:
            user.set_password(password)
        else:
            # Staff come in through Google; a usable password exists only when one is given.
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["role"] = Role.ADMIN
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email=normalize_email(email))


def normalize_email(email):
    # Google treats the whole address case-insensitively; one spelling per person avoids
    # duplicate users that differ only in case.
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """Agency staff. Table `users` of the Macondo schema (email, name, avatar_url)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=255, blank=True, default="")
    avatar_url = models.URLField(max_length=2048, blank=True, null=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Designates whether the user can open the Django admin."
    )
    # db_default: rows written by raw SQL (bench, imports) get the least powerful staff role.
    role = models.CharField(
        max_length=16, choices=Role.choices, default=default_staff_role, db_default=Role.VIEWER
    )
    # Staff: the clients they are limited to (none: every client). A client viewer: their
    # one client.
    clients = models.ManyToManyField(
        "links.Client", blank=True, related_name="people", db_table="user_clients"
    )
    # Raised to end every session of the person (see _get_session_auth_hash).
    session_epoch = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        db_table = "users"
        ordering = ["email"]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        # The Django admin's flags follow the role, so the role is the one switch.
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)

    @property
    def is_client_viewer(self):
        return self.role == Role.CLIENT

    def _get_session_auth_hash(self, secret=None):
        # Django checks this hash against the one stored in the session on every request,
        # whatever the session engine: raising session_epoch signs the person out
        # everywhere. Epoch 0 keeps Django's own hash, so sessions from before survive.
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "accounts.User.session_epoch",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return (self.name or self.email).split(" ")[0]
