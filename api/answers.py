"""JSON answers, ETags and If-Match: every endpoint answers through here."""

import hashlib

from django.http import HttpResponse

from .problems import Problem


def json(model, status=200, *, etag=False, headers=None):
    """`model` (a schema instance) as JSON; with `etag`, its ETag header."""
    body = model.model_dump_json().encode()
    answer = HttpResponse(body, status=status, content_type="application/json")
    if etag:
        answer["ETag"] = etag_of(body)
    for name, value in (headers or {}).items():
        answer[name] = value
    return answer


def etag_of(body):
    """A strong ETag of a representation: any change of any field changes it."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def current_etag(model):
    return etag_of(model.model_dump_json().encode())


def check_if_match(request, model):
    """412 unless If-Match (when sent) names the resource's current representation.

    If-Match is optional: a tool that sends it is protected from overwriting a change it has
    not seen; one that does not send it overwrites, as a dashboard form does."""
    wanted = request.headers.get("If-Match")
    if wanted is None:
        return
    tags = [tag.strip() for tag in wanted.split(",")]
    if "*" in tags or current_etag(model) in tags:
        return
    raise Problem(
        412,
        "precondition_failed",
        "Precondition failed",
        "The resource changed since you read it (If-Match does not match its ETag): read it "
        "again, then retry your change.",
    )


def no_content():
    return HttpResponse(status=204)
