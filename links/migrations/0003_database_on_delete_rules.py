from django.db import migrations

from macondo.db_rules import set_on_delete


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("analytics", "0001_initial"),
        ("links", "0002_link_name_expiry_active"),
    ]

    operations = [set_on_delete()]
