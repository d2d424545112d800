"""The WSGI application gunicorn serves: Django, with cached short links answered first
(links.fast_redirect; FAST_REDIRECT=false turns that lane off)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "macondo.settings")

django_application = get_wsgi_application()

from links.fast_redirect import ServerFloor, ShortLinkApplication  # noqa: E402 (needs Django)

application = ShortLinkApplication(django_application)
if settings.BENCH_VIEWS:
    # bench/redirect's baseline (c): a 302 with no Django at all.
    application = ServerFloor(application)
