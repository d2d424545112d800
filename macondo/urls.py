from django.conf import settings
from django.contrib import admin
from django.urls import path

from links import redirect

urlpatterns = [
    path("admin/", admin.site.urls),
]

# --- Short links (issue 4): keep these LAST, after every app route. -----------------------
if settings.BENCH_VIEWS:
    # Benchmark baseline: a constant 302 through the same middleware (bench/redirect).
    urlpatterns.append(path("bench-302/<str:code>", redirect.constant_redirect))
urlpatterns.append(path("<str:code>", redirect.follow, name="follow_link"))
