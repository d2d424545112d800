from django.db import migrations, models, transaction

# PostgreSQL's own name for the column's CHECK, the one a plain AddField would get.
_CHECK = "daily_link_clicks_qr_check"


def add_column(apps, schema_editor):
    """On PostgreSQL the column comes with a constant default (kept in the catalogue: no row
    rewritten) and its CHECK (qr >= 0) is added NOT VALID, then validated apart. Inline, the
    CHECK would scan every rollup row under the ACCESS EXCLUSIVE lock of ADD COLUMN;
    VALIDATE scans under a lock that lets reports and rollup_clicks go on. The migration
    is not atomic so that each statement commits, and releases its lock, on its own."""
    if schema_editor.connection.vendor != "postgresql":
        model = apps.get_model("analytics", "DailyLinkClicks")
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.add_field(model, model._meta.get_field("qr"))
        return
    schema_editor.execute(
        "ALTER TABLE daily_link_clicks ADD COLUMN qr integer DEFAULT 0 NOT NULL"
    )
    schema_editor.execute(
        f"ALTER TABLE daily_link_clicks ADD CONSTRAINT {_CHECK} CHECK (qr >= 0) NOT VALID"
    )
    schema_editor.execute(f"ALTER TABLE daily_link_clicks VALIDATE CONSTRAINT {_CHECK}")


def drop_column(apps, schema_editor):
    model = apps.get_model("analytics", "DailyLinkClicks")
    with transaction.atomic(using=schema_editor.connection.alias):
        schema_editor.remove_field(model, model._meta.get_field("qr"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("analytics", "0006_busy_day_stats"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="dailylinkclicks",
                    name="qr",
                    field=models.PositiveIntegerField(db_default=0, default=0),
                ),
            ],
        ),
        # After the state change, so that both functions see the field.
        migrations.RunPython(add_column, drop_column, atomic=False, elidable=False),
    ]
