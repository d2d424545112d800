"""/api/v1/: the public API. It authenticates by key, not by session: every view is
exempt from the dashboard's sign-in (and django-ninja's views from CSRF)."""

from functools import wraps

from django.urls import path

from . import problems
from .v1 import api


def _problem_for_other_methods(view):
    """django-ninja answers a method a path does not have with a bare 405: make it a
    problem like every other API error."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type") != problems.CONTENT_TYPE:
            return problems.response(
                405,
                "method_not_allowed",
                "Method not allowed",
                f"{request.method} is not allowed here; allowed: {response.get('Allow', '')}.",
                headers={"Allow": response.get("Allow", "")},
                instance=request.path,
            )
        return response

    answer.login_required = False
    return answer


_patterns, _app_name, _namespace = api.urls
for _pattern in _patterns:
    _pattern.callback = _problem_for_other_methods(_pattern.callback)

urlpatterns = [path("api/v1/", (_patterns, _app_name, _namespace))]
