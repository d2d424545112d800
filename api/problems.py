"""Every API error as application/problem+json (RFC 9457), never a page or a traceback.

A problem has `type` (a URN naming the kind, `urn:macondo:problem:<code>`), `title`,
`status`, `code` (the same kind, for programs), `detail` (what to do about it) and
`instance` (the request path); a validation problem adds `errors`, one
{"field", "code", "message"} per bad field.
"""

import json
import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
RETRY_AFTER_OUTAGE_SECONDS = 5

# Service field names as the API spells them.
FIELD_NAMES = {
    "client": "client_id",
    "campaign": "campaign_id",
    "creator": "creator_id",
    **{
        f"utm_{name}": f"utm.{name}" for name in ("source", "medium", "campaign", "term", "content")
    },
}


class Problem(Exception):
    """Raised anywhere in an endpoint: answered as this problem."""

    def __init__(self, status, code, title, detail=None, *, errors=None, headers=None):
        super().__init__(detail or title)
        self.status, self.code, self.title, self.detail = status, code, title, detail
        self.errors, self.headers = errors, headers or {}


def response(status, code, title, detail=None, *, errors=None, headers=None, instance=None):
    body = {"type": f"urn:macondo:problem:{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    answer = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        answer[name] = value
    return answer


def of(problem, request=None):
    return response(
        problem.status,
        problem.code,
        problem.title,
        problem.detail,
        errors=problem.errors,
        headers=problem.headers,
        instance=request.path if request is not None else None,
    )


def field_errors(error, names=None):
    """[{"field", "code", "message"}] of a Django ValidationError (a service's or a form's)."""
    names = {**FIELD_NAMES, **(names or {})}
    if not hasattr(error, "error_dict"):
        return [{"field": None, "code": e.code or "invalid", "message": m} for e, m in _each(error)]
    result = []
    for field, errors in error.error_dict.items():
        for e in errors:
            for item, message in _each(e):
                result.append(
                    {
                        "field": None if field == "__all__" else names.get(field, field),
                        "code": item.code or "invalid",
                        "message": message,
                    }
                )
    return result


def _each(error):
    for item in error.error_list:
        message = item.message % item.params if item.params else item.message
        yield item, str(message)


def invalid(errors, names=None):
    """A 422 validation problem from field errors or a Django ValidationError."""
    if isinstance(errors, DjangoValidationError):
        errors = field_errors(errors, names)
    return Problem(
        422,
        "validation",
        "Invalid request",
        "The request has invalid fields; see errors.",
        errors=errors,
    )


def form_invalid(form, names=None):
    """The 422 problem of a bound, invalid Django form (the dashboard's own forms)."""
    return invalid(DjangoValidationError(form.errors.as_data()), names)


def null_refused(payload, fields):
    """422 if a change sends null for any of `fields` (ones that cannot be cleared)."""
    errors = [
        {"field": field, "code": "null", "message": "This field cannot be null."}
        for field in fields
        if field in payload.model_fields_set and getattr(payload, field) is None
    ]
    if errors:
        raise invalid(errors)


def not_found(what="resource"):
    return Problem(404, "not_found", "Not found", f"No {what} with this id.")


def for_status(request, status):
    """The problem for a Django-level error on an API path (unknown URL, bad request, crash)."""
    titles = {
        400: ("bad_request", "Bad request", "The request could not be read."),
        404: ("not_found", "Not found", "No such API resource; see /api/v1/docs."),
        500: ("internal_error", "Internal error", "Something went wrong on our side."),
    }
    code, title, detail = titles[status]
    return response(status, code, title, detail, instance=request.path)


def outage(request):
    return response(
        503,
        "unavailable",
        "Service unavailable",
        "The database is unavailable; retry in a few seconds.",
        headers={"Retry-After": str(RETRY_AFTER_OUTAGE_SECONDS)},
        instance=request.path,
    )
