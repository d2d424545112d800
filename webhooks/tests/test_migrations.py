import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User

from .factories import SubscriptionFactory
from .helpers import create_link, deliver

TABLES = {"webhook_subscriptions", "webhook_events", "webhook_deliveries", "webhook_attempts"}


@pytest.mark.django_db(transaction=True)
def test_the_webhook_migrations_run_back_to_zero_and_forward_again():
    call_command("migrate", "webhooks", "zero", verbosity=0)
    assert not TABLES & set(connection.introspection.table_names())
    call_command("migrate", "webhooks", verbosity=0)
    assert set(connection.introspection.table_names()) >= TABLES


def test_every_webhook_foreign_key_cascades_in_postgresql_itself(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT rel.relname, att.attname, con.confdeltype
            FROM pg_constraint con
            JOIN pg_class rel ON rel.oid = con.conrelid
            JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
            WHERE con.contype = 'f' AND rel.relname LIKE 'webhook\\_%%'
            """
        )
        rules = {(table, column): rule for table, column, rule in cursor.fetchall()}
    assert rules == {
        ("webhook_subscriptions", "owner_id"): "c",
        ("webhook_deliveries", "subscription_id"): "c",
        ("webhook_deliveries", "event_id"): "c",
        ("webhook_attempts", "delivery_id"): "c",
    }


def test_deleting_a_user_in_raw_sql_takes_their_subscriptions_and_deliveries(owner, settings):
    SubscriptionFactory(owner=owner, url="https://hooks.example.com/")
    create_link(owner)
    deliver()  # an attempt (refused: the name does not resolve here) is logged too
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM users WHERE id = %s", [owner.pk])
        cursor.execute("SELECT count(*) FROM webhook_deliveries")
        deliveries = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM webhook_attempts")
        attempts = cursor.fetchone()[0]
    assert (deliveries, attempts) == (0, 0)
    assert not User.objects.filter(pk=owner.pk).exists()
