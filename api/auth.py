"""Authenticating a request: `Authorization: Bearer <key>`, then the key's rate.

Every refusal is a problem: 400 for a key sent in the query string (it ends up in access
logs, browser history and Referer headers; refused even when right), 401 for no key, a
malformed one, an unknown one, a revoked or expired one or one whose owner is inactive, and
429 once the key's rate is spent. What a key may then do is `keys.key_may`.
"""

from ninja.security import HttpBearer

from macondo.client_ip import client_ip

from . import keys, ratelimit
from .problems import Problem

# Query parameters people put keys in; any parameter whose value looks like a key counts too.
_KEY_PARAMETERS = {"api_key", "apikey", "key", "access_token", "token", "authorization"}
_BEARER = {"WWW-Authenticate": 'Bearer realm="api"'}
_INVALID = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}

_REFUSALS = {
    "revoked": "This API key was revoked.",
    "expired": "This API key has expired.",
    "owner_inactive": "The owner of this API key is no longer active.",
}


def _unauthorized(code, detail, headers=_INVALID):
    return Problem(401, code, "Unauthorized", detail, headers=headers)


class KeyAuth(HttpBearer):
    """Authenticates the key; with `scopes`, also refuses (403) a key that has none of them,
    before the request's parameters are read."""

    def __init__(self, *scopes):
        super().__init__()
        self.scopes = scopes

    def __call__(self, request):
        for name, values in request.GET.lists():
            if name.lower() in _KEY_PARAMETERS or any(keys.looks_like_key(v) for v in values):
                raise Problem(
                    400,
                    "key_in_query",
                    "Key in the query string",
                    "Send the key in the Authorization header (Bearer), never in the URL.",
                )
        header = request.headers.get("Authorization", "")
        if not header.strip():
            raise _unauthorized(
                "missing_key", "Send an API key: Authorization: Bearer <key>.", _BEARER
            )
        scheme, _, secret = header.strip().partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not keys.looks_like_key(secret):
            raise _unauthorized(
                "malformed_key",
                "The Authorization header must be “Bearer mk_…” with a whole API key.",
            )
        credential = keys.lookup(secret)
        if credential is None:
            raise _unauthorized("unknown_key", "No API key matches this one.")
        refusal = credential.refusal()
        if refusal:
            raise _unauthorized(f"key_{refusal}", _REFUSALS[refusal])
        wait = ratelimit.check(credential.id)
        if wait is not None:
            raise Problem(
                429,
                "rate_limited",
                "Too many requests",
                f"This key's rate is spent; retry in {wait} s.",
                headers={"Retry-After": str(wait)},
            )
        keys.touch(credential, client_ip(request.META, anonymize_ip=False))
        if self.scopes and not any(keys.key_may(credential, scope) for scope in self.scopes):
            raise Problem(
                403,
                "insufficient_scope",
                "Forbidden",
                f"This API key lacks the scope {' or '.join(self.scopes)}.",
                headers={
                    "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{self.scopes[0]}"'
                },
            )
        return credential

    def authenticate(self, request, token):  # pragma: no cover - __call__ does it all
        raise NotImplementedError


READ_SCOPES = ("links:read", "stats:read", "links:write", "clients:write")
LINKS_READ = KeyAuth("links:read")
LINKS_WRITE = KeyAuth("links:write")
STATS_READ = KeyAuth("stats:read")
CLIENTS_WRITE = KeyAuth("clients:write")
WEBHOOKS_READ = KeyAuth("webhooks:read")
WEBHOOKS_WRITE = KeyAuth("webhooks:write")
# Clients, campaigns and tags are read with any scope.
ANY_SCOPE = KeyAuth(*READ_SCOPES)
