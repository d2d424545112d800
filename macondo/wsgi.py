"""The WSGI application gunicorn serves: Django, with cached short links answered first
(links.fast_redirect; FAST_REDIRECT=false turns that lane off)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "macondo.settings")

django_application = get_wsgi_application()

from links.fast_redirect import ShortLinkApplication  # noqa: E402 (needs Django)

application = ShortLinkApplication(django_application)
