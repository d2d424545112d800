"""API keys: issuing and revoking them, the lookup every request makes, what a key may do.

A key is `mk_` + 8 visible characters + `_` + 43 random URL-safe characters (256 bits).
Only its SHA-256 is stored. A slow password hash (bcrypt, Argon2) protects secrets people
choose, which are guessable; a 256-bit random secret cannot be guessed from its hash
however fast the hash, and a slow one would cost ~50 ms on every request. A fast hash also
lets the database find the key by an index on the hash.

Each worker may keep a looked-up key for API_KEY_CACHE_SECONDS, and only while Redis
answers: every request reads the keys' change stamp (REDIS_KEY_PREFIX + "api-keys:changed"),
which every change of a key or its owner increments after commit, and a worker that sees a
new stamp forgets every key. So a revocation applies to the next request on every worker.
Without Redis, or while it does not answer, nothing is cached.
"""

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy

from . import redis_state
from .models import SCOPES, ApiKey

KEY_START = "mk_"
_PREFIX_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_PREFIX_LENGTH = 8
_KEY_RE = re.compile(r"mk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}")
_STAMP = "api-keys:changed"
_CACHE_MAX = 10_000


@dataclass(frozen=True)
class Credential:
    """What a request needs to know about its key, as looked up (and maybe cached)."""

    id: object
    prefix: str
    name: str
    user: object
    scopes: frozenset
    # None: every client; otherwise the ids of the clients the key is restricted to.
    client_ids: frozenset | None
    expires_at: datetime | None
    revoked_at: datetime | None

    def refusal(self, now=None):
        """Why the key cannot be used now ("revoked", "expired", "owner_inactive") or None."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if not self.user.is_active:
            return "owner_inactive"
        return None


@dataclass(frozen=True)
class Issued:
    key: ApiKey
    secret: str


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(value):
    return bool(_KEY_RE.fullmatch(value))


def validate_scopes(scopes):
    scopes = list(dict.fromkeys(scopes))
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise ValidationError(
            {"scopes": f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(SCOPES)}."}
        )
    if not scopes:
        raise ValidationError({"scopes": "Choose at least one scope."})
    return scopes


@transaction.atomic
def issue(*, user, name, scopes, clients=None, expires_at=None):
    """Create a key for `user`; `clients` None means every client. The secret is in the
    result only: it is never stored and cannot be shown again."""
    scopes = validate_scopes(scopes)
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError({"name": "Give the key a name (what uses it)."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry is in the past."})
    for _attempt in range(5):
        prefix = KEY_START + "".join(
            secrets.choice(_PREFIX_ALPHABET) for _ in range(_PREFIX_LENGTH)
        )
        secret = f"{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey(
            name=name[:100],
            user=user,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            scopes=scopes,
            all_clients=clients is None,
            expires_at=expires_at,
        )
        try:
            with transaction.atomic():
                key.save(force_insert=True)
        except IntegrityError:
            continue  # a prefix already in use: draw another
        if clients is not None:
            key.clients.set(clients)
        return Issued(key, secret)
    raise RuntimeError("No free key prefix after 5 attempts")


def revoke(key):
    """Revoke a key (idempotent); every worker refuses it from its next request on."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


# --- The lookup ---------------------------------------------------------------------------
_cache = {}
_cache_stamp = None
_last_touched = {}


def _stamp():
    """The keys' change stamp, or None when Redis cannot vouch for a cache."""
    client = redis_state.client()
    if client is None:
        return None
    try:
        stamp = client.get(redis_state.key(_STAMP)) or b"0"
    except redis.RedisError as error:
        redis_state.failed(error)
        return None
    redis_state.answered()
    return stamp


# One statement, without the ORM's query building (~0.5 ms of the ~1 ms an ORM lookup took
# here): the key's columns, converted by Django as usual, and what the check needs of its
# owner. Table names are the models' fixed db_table.
_LOOKUP = (
    "SELECT k.*, u.email AS owner_email, u.name AS owner_name, u.is_active AS owner_active, "
    "u.role AS owner_role, uc.client_id AS owner_client_id "
    "FROM api_keys k JOIN users u ON u.id = k.user_id "
    # One row per client the owner is limited to (or one row): still one statement.
    "LEFT JOIN user_clients uc ON uc.user_id = u.id WHERE k.secret_hash = %s"
)


def _fetch(digest):
    rows = list(ApiKey.objects.raw(_LOOKUP, [digest]))
    if not rows:
        return None
    key = rows[0]
    # The owner with what a request reads of them (anything else loads on first use).
    owner = get_user_model().from_db(
        key._state.db,
        ["id", "email", "name", "is_active", "role"],
        [key.user_id, key.owner_email, key.owner_name, bool(key.owner_active), key.owner_role],
    )
    policy.preload(owner, [r.owner_client_id for r in rows if r.owner_client_id is not None])
    own = () if key.all_clients else key.clients.values_list("id", flat=True)
    # Within the owner's clients too: a key never reaches further than the person.
    client_ids = policy.key_clients(owner, own, key.all_clients)
    return Credential(
        id=key.pk,
        prefix=key.prefix,
        name=key.name,
        user=owner,
        scopes=frozenset(key.scopes),
        client_ids=client_ids,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
    )


def lookup(secret):
    """The Credential of a secret, or None when no key has it."""
    global _cache_stamp
    digest = hash_secret(secret)
    ttl = settings.API_KEY_CACHE_SECONDS
    stamp = _stamp() if ttl > 0 else None
    now = time.monotonic()
    if stamp is not None:
        if stamp != _cache_stamp:
            _cache.clear()
            _cache_stamp = stamp
        hit = _cache.get(digest)
        if hit is not None and now - hit[1] < ttl:
            return hit[0]
    credential = _fetch(digest)
    if stamp is not None:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        # Unknown secrets are kept too: a client retrying a wrong key costs no query.
        _cache[digest] = (credential, now)
    return credential


def touch(credential, address):
    """Record when and from where a key was used, at most once per
    API_KEY_LAST_USED_INTERVAL per key and worker: not one UPDATE per request."""
    now = time.monotonic()
    last = _last_touched.get(credential.id)
    if last is not None and now - last < settings.API_KEY_LAST_USED_INTERVAL:
        return
    if len(_last_touched) >= _CACHE_MAX:
        _last_touched.clear()
    _last_touched[credential.id] = now
    # An UPDATE sends no post_save: recording use does not empty every worker's cache.
    ApiKey.objects.filter(pk=credential.id).update(
        last_used_at=timezone.now(), last_used_ip=address
    )


def changed():
    """Tell every worker that keys changed (after the transaction commits)."""
    _cache.clear()

    def announce():
        _cache.clear()
        client = redis_state.client()
        if client is None:
            return
        try:
            client.incr(redis_state.key(_STAMP))
        except redis.RedisError as error:
            redis_state.failed(error)
        else:
            redis_state.answered()

    transaction.on_commit(announce)


def forget():
    """Drop this worker's cached keys and use records (tests)."""
    global _cache_stamp
    _cache.clear()
    _last_touched.clear()
    _cache_stamp = None


# Receivers, connected in ApiConfig.ready: every worker forgets its cached keys when a key,
# its clients or its owner change (an owner made inactive disables their keys at once).
def key_changed(sender, **kwargs):
    changed()


def clients_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        changed()


# --- What a key may do ---------------------------------------------------------------------
def owner_may(user, scope, client_id=None):
    """What the key's owner may do: the ceiling of every key they hold (their role, by
    accounts.policy; their clients are already in the credential's client_ids)."""
    return policy.can(user, "api_keys") and bool(policy.allowed_scopes(user, [scope]))


def key_may(credential, scope, client_id=None):
    """Whether a key may use `scope`, on `client_id` when given: never more than its owner."""
    if not owner_may(credential.user, scope, client_id):
        return False
    if scope not in credential.scopes:
        return False
    if client_id is not None and credential.client_ids is not None:
        return client_id in credential.client_ids
    return True
