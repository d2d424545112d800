"""The public API, version 1: /api/v1/ (docs/api.md).

Built with django-ninja: endpoints are plain functions with type hints, and the OpenAPI 3
document (/api/v1/openapi.json) is generated from those hints, so it cannot drift from the
code. `document.finish` adds what the hints do not say: every error as
application/problem+json, and the Idempotency-Key and If-Match headers.
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import HttpError, ValidationError

from macondo.errors import is_database_outage

from .. import problems
from ..auth import KeyAuth
from . import document, figures, links, organisation, webhooks

logger = logging.getLogger("api")


class MacondoAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document.finish(schema)


api = MacondoAPI(
    title="Macondo Link Manager API",
    version="1",
    description=document.DESCRIPTION,
    urls_namespace="api-v1",
    auth=KeyAuth(),
    docs=Swagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("", links.router)
api.add_router("", organisation.router)
api.add_router("", figures.router)
api.add_router("", webhooks.router)


@api.exception_handler(problems.Problem)
def _problem(request, exc):
    return problems.of(exc, request)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return problems.of(problems.invalid(document.validation_errors(exc.errors)), request)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    if exc.status_code == 400:
        return problems.response(
            400, "bad_request", "Bad request", "The body is not valid JSON.", instance=request.path
        )
    return problems.response(exc.status_code, "error", str(exc) or "Error", instance=request.path)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problems.of(problems.not_found(), request)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return problems.response(
        413,
        "too_large",
        "Request too large",
        "The body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE); send "
        "fewer links per request.",
        instance=request.path,
    )


@api.exception_handler(Exception)
def _crash(request, exc):
    if is_database_outage(exc):
        logger.warning("database unavailable, answered 503 to %s %s", request.method, request.path)
        return problems.outage(request)
    logger.exception("API request failed: %s %s", request.method, request.path)
    return problems.for_status(request, 500)
