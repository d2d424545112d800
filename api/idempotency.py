"""Idempotency-Key on creates: a retried request gets the first answer, never a second link.

The first request with a key stores a row (API key, Idempotency-Key, fingerprint of method,
path and body) before it runs, and its answer once it succeeds. A retry with the same key
and the same request replays that answer (with `Idempotent-Replayed: true`); with another
request it is refused (422 idempotency_key_reused); while the first is still running, 409
idempotency_in_progress. An answer that is not a success is not kept: the key is free again,
so a request fixed after a validation error can be sent again with the same key. Keys are
remembered for API_IDEMPOTENCY_HOURS.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from .models import IdempotentRequest
from .problems import Problem, invalid

HEADER = "Idempotency-Key"
_KEPT_HEADERS = ("Location", "ETag")


def _fingerprint(request):
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _valid(key):
    return 1 <= len(key) <= 255 and all(" " <= char <= "~" for char in key)


def _replay(record):
    answer = HttpResponse(bytes(record.body), status=record.status, content_type="application/json")
    for name, value in record.headers.items():
        answer[name] = value
    answer["Idempotent-Replayed"] = "true"
    return answer


def once(request, api_key_id, handler):
    """`handler()` (returning an HttpResponse) run at most once per Idempotency-Key."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not _valid(key):
        raise invalid(
            [
                {
                    "field": HEADER,
                    "code": "invalid",
                    "message": "An Idempotency-Key has 1 to 255 printable ASCII characters.",
                }
            ]
        )
    fingerprint = _fingerprint(request)
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    IdempotentRequest.objects.filter(api_key_id=api_key_id, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(
                api_key_id=api_key_id, key=key, fingerprint=fingerprint
            )
    except IntegrityError:
        existing = IdempotentRequest.objects.filter(api_key_id=api_key_id, key=key).first()
        if existing is not None and existing.fingerprint != fingerprint:
            raise Problem(
                422,
                "idempotency_key_reused",
                "Idempotency-Key reused",
                "This Idempotency-Key was used for a different request; use a new key for "
                "a new request.",
            ) from None
        if existing is None or existing.status is None:
            raise Problem(
                409,
                "idempotency_in_progress",
                "Request in progress",
                "A request with this Idempotency-Key is still being answered; retry shortly.",
                headers={"Retry-After": "1"},
            ) from None
        return _replay(existing)
    try:
        answer = handler()
    except BaseException:
        record.delete()
        raise
    if 200 <= answer.status_code < 300:
        record.status = answer.status_code
        record.body = answer.content
        record.headers = {name: answer[name] for name in _KEPT_HEADERS if name in answer}
        record.save(update_fields=["status", "body", "headers"])
    else:
        record.delete()
    return answer
