from django.db import migrations

from macondo.db_rules import set_on_delete

# PostgreSQL deletes what hangs off a user, subscription, event or delivery itself, as for
# the Macondo tables (macondo/db_rules.py), so a raw-SQL delete of a user still works.
ON_DELETE_RULES = [
    ("webhook_subscriptions", "owner_id", "users", "CASCADE"),
    ("webhook_deliveries", "subscription_id", "webhook_subscriptions", "CASCADE"),
    ("webhook_deliveries", "event_id", "webhook_events", "CASCADE"),
    ("webhook_attempts", "delivery_id", "webhook_deliveries", "CASCADE"),
]


class Migration(migrations.Migration):
    # After 0001, whose foreign keys Django creates only at its end.
    dependencies = [("webhooks", "0001_initial")]

    operations = [set_on_delete(ON_DELETE_RULES)]
