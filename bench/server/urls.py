"""The site's URLconf plus the Django baseline `/bench-302/<code>`: a constant 302 through
the same middleware stack as the redirect."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from macondo.urls import handler400, handler404, handler500
from macondo.urls import urlpatterns as site

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]


@login_not_required
@csrf_exempt
@require_safe
def constant_redirect(request, code):
    """The cheapest Django 302 the redirect could be."""
    response = HttpResponseRedirect("https://example.com/")
    response["Cache-Control"] = "no-store, max-age=0"
    return response


# A path with a slash: the fast lane never takes it, so Django's whole stack answers it.
urlpatterns = [path("bench-302/<str:code>", constant_redirect), *site]
