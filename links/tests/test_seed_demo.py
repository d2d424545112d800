from django.core.management import call_command

from analytics.models import Click
from links.models import Campaign, Client, Link, LinkTag, Tag


def counts():
    return [m.objects.count() for m in (Client, Campaign, Link, Tag, LinkTag, Click)]


def test_seed_demo_loads_humans_and_bots_and_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    first = counts()
    assert all(first), first
    assert Click.objects.filter(is_bot=True).exists()
    assert Click.objects.filter(is_bot=False).exists()
    call_command("seed_demo", verbosity=0)
    assert counts() == first
