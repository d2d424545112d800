"""The project's URLs plus two probe views, for the login-required middleware tests."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path


@login_not_required
def public_probe(request):
    return HttpResponse("public")


def staff_probe(request):
    return HttpResponse(f"staff {request.user.email}")


urlpatterns = [
    path("probe/public", public_probe),
    path("probe/staff", staff_probe),
    path("", include("macondo.urls")),
]
