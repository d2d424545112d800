"""The site's settings with the admin loaded but its modules not discovered: no app's
admin.py is imported (test_receivers)."""

from macondo.settings import *  # noqa: F403
from macondo.settings import INSTALLED_APPS

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig" if app.endswith("AdminConfig") else app
    for app in INSTALLED_APPS
]
