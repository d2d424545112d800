"""Receivers are connected by their apps' ready(), not by whichever module happens to
import them: a fresh process that never imports an admin module still keeps the link
cache, the API key cache and the webhook subscriptions honest."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import sys, django
django.setup()
ours = ("accounts", "links", "analytics", "api", "webhooks")
assert not [app for app in ours if f"{app}.admin" in sys.modules], "an admin was imported"
from django.db.models.signals import post_save
from links.models import Link
print("link receivers:", post_save.has_listeners(Link))  # before this code imports any
from links import resolver
from api.models import ApiKey
from webhooks.models import Subscription
link = Link(short_code="Saved01", original_url="https://example.com/")
resolver._cache["Saved01"] = (float("inf"), object())  # a cached answer that never expires
post_save.send(sender=Link, instance=link, created=False)
print("cached after save:", resolver.cached("Saved01"))
print("key receivers:", post_save.has_listeners(ApiKey))
print("subscription receivers:", post_save.has_listeners(Subscription))
"""


def test_a_link_saved_without_the_admin_loaded_leaves_the_cache():
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", CODE],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "links.tests.settings_without_admin",
            "DEBUG": "true",
            "REDIS_URL": "",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "link receivers: True",
        "cached after save: None",
        "key receivers: True",
        "subscription receivers: True",
    ]
