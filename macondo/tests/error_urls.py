"""The site's URLconf plus pages with a bug, for the tests of the error pages."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from macondo import urls
from macondo.urls import handler400, handler404, handler500  # noqa: F401 (the pages under test)


def broken_page(request):
    raise RuntimeError("a bug in a page")


urlpatterns = [
    path("dashboard/broken/", broken_page),
    path("oops/broken", login_not_required(broken_page)),
    *urls.urlpatterns,
]
