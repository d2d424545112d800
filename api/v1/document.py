"""The parts of the OpenAPI document that type hints do not say."""

from ..idempotency import HEADER as IDEMPOTENCY_HEADER
from ..schemas.common import Problem

DESCRIPTION = (
    "Links, clients, campaigns, tags, click figures and webhook subscriptions of Macondo "
    "Link Manager. "
    "Authenticate with `Authorization: Bearer <key>` (keys: dashboard → API keys). "
    "Lists are cursor-paginated (`next_cursor`); times are ISO 8601 with offset; creates "
    "accept an `Idempotency-Key` header, changes an `If-Match` header (the `ETag` of the "
    "last read); every error is `application/problem+json` (RFC 9457). "
    "Over a key's rate: 429 with `Retry-After`."
)

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_DESCRIPTIONS = {
    400: "Unreadable body, or a key sent in the query string",
    401: "No key, a malformed, unknown, revoked or expired key, or its owner inactive",
    403: "The key lacks the scope",
    404: "Not found (also: outside the key's clients)",
    409: "A request with this Idempotency-Key is still running",
    412: "If-Match does not match the current ETag",
    413: "Body too large",
    422: "Invalid fields (see `errors`), or an Idempotency-Key reused for another request",
    429: "The key's rate is spent; see Retry-After",
    503: "The database is unavailable; see Retry-After",
}
_IDEMPOTENCY_PARAMETER = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "Any unique text (e.g. a UUID): a retry with the same key and body "
    "returns the first answer instead of creating again.",
    "schema": {"type": "string", "pattern": "^[ -~]{1,255}$"},
}
_IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of your last read: the change is refused (412) if the resource "
    "changed since.",
    "schema": {"type": "string"},
}


# Actions that change a resource, and so take If-Match.
_CHANGES = ("/deactivate", "/reactivate", "/pause", "/resume", "/rotate-secret")


def _problem_components():
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.pop("$defs", {})
    components["Problem"] = schema
    return components


def _statuses(path, method, operation):
    codes = {400, 401, 403, 422, 429, 503}
    if "{" in path:
        codes.add(404)
    if "requestBody" in operation:
        codes.add(413)
    if method == "post" and "requestBody" in operation:
        codes.add(409)
    if method in ("patch", "delete") or path.endswith(_CHANGES):
        codes.add(412)
    return codes


def finish(schema):
    schema.setdefault("components", {}).setdefault("schemas", {}).update(_problem_components())
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _statuses(path, method, operation):
                responses[code] = {
                    "description": _DESCRIPTIONS[code],
                    "content": {"application/problem+json": {"schema": PROBLEM_REF}},
                }
            for code, response in responses.items():
                if int(code) == 204:
                    response.pop("content", None)
            parameters = operation.setdefault("parameters", [])
            if method == "post" and "requestBody" in operation:
                parameters.append(_IDEMPOTENCY_PARAMETER)
            if 412 in responses:
                parameters.append(_IF_MATCH_PARAMETER)
    return schema


def validation_errors(errors):
    """Field errors of django-ninja's (pydantic's) validation errors."""
    result = []
    for error in errors:
        loc = list(error.get("loc", ()))
        source = loc.pop(0) if loc else None
        if source == "body" and loc:
            loc.pop(0)  # the parameter's own name
        item = {
            "field": ".".join(str(part) for part in loc) or None,
            "code": error.get("type", "invalid"),
            "message": error.get("msg", "Invalid value."),
        }
        if len(loc) >= 2 and loc[0] == "links" and isinstance(loc[1], int):
            item["index"] = loc[1]
        result.append(item)
    return result
