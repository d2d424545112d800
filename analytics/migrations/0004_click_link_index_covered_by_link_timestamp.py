import django.db.models.deletion
from django.db import migrations, models

from macondo.db_rules import ON_DELETE_RULES, set_on_delete


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_daily_rollups"),
        ("links", "0003_database_on_delete_rules"),
    ]

    operations = [
        # Drops the single-column index on clicks.link_id; (link_id, timestamp) covers it.
        migrations.AlterField(
            model_name="click",
            name="link",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="clicks",
                to="links.link",
            ),
        ),
        # AlterField rebuilt the foreign key without its ON DELETE rule: set it again.
        set_on_delete([rule for rule in ON_DELETE_RULES if rule[0] == "clicks"]),
    ]
