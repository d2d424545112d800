"""Client names unique regardless of case and surrounding spaces; campaign names likewise
within their client (links/names.py).

First refuses, listing the rows, when existing names already clash under the rule (it
cannot choose which row to rename or merge); otherwise stores every name normalised, then
replaces the exact-match unique indexes with `lower(name)` ones and adds checks that names
carry no surrounding spaces. Touches only `clients` and `campaigns` (small tables; `links`
and `clicks` are not rewritten). Reversing restores the exact-match indexes, which the
normalised names satisfy; the names stay trimmed.
"""

from collections import defaultdict

import django.db.models.functions.text
from django.core.management.base import CommandError
from django.db import migrations, models

from links.names import name_keys, normalize_name


def _clashing_groups(rows, keys, scope):
    groups = defaultdict(list)
    for row in rows:
        groups[(scope(row), keys[row["name"]])].append(row)
    return [group for group in groups.values() if len(group) > 1]


# SQL a person can paste into `manage.py dbshell` to fix a group: rename a row, or merge
# it into the kept (oldest) one, which moves its links, campaigns and clicks along.
_RENAME = "UPDATE {table} SET name = '<another name>' WHERE id = '{other}';"
_MERGE = {
    "clients": (
        "UPDATE campaigns SET client_id = '{kept}' WHERE client_id = '{other}';",
        "UPDATE links SET client_id = '{kept}' WHERE client_id = '{other}';",
        "DELETE FROM clients WHERE id = '{other}';",
    ),
    "campaigns": (
        "UPDATE links SET campaign_id = '{kept}' WHERE campaign_id = '{other}';",
        "DELETE FROM campaigns WHERE id = '{other}';",
    ),
}


def _refusal(groups, stored_id):
    lines = [
        "Client names must be unique regardless of case and surrounding spaces, and campaign "
        "names likewise within their client. These existing rows clash (the oldest first):"
    ]
    renames, merges = [], []
    for table, group in groups:
        owner = f" of client “{group[0]['client__name']}”" if table == "campaigns" else ""
        rows = ", ".join(f"{row['id']} “{row['name']}”" for row in group)
        lines.append(f"  {table}{owner}: {rows}")
        kept = stored_id(group[0]["id"])
        for row in group[1:]:
            other = stored_id(row["id"])
            renames.append("    " + _RENAME.format(table=table, other=other))
            merges += ["    " + sql.format(kept=kept, other=other) for sql in _MERGE[table]]
    lines += [
        "Fix each group, then run migrate again: rename every row but the oldest, or merge "
        "them into the oldest, which keeps every link and click. In `manage.py dbshell`:",
        "  to rename:",
        *renames,
        "  or to merge:",
        *merges,
        "(When both clients have a campaign of the same name, moving the campaigns is "
        "refused: first merge those two campaigns, then the clients. Merged clients' "
        "campaigns that differ only in case are listed by the next migrate.)",
    ]
    return "\n".join(lines)


def refuse_clashes_then_normalize(apps, schema_editor):
    using = schema_editor.connection.alias
    Client = apps.get_model("links", "Client")
    Campaign = apps.get_model("links", "Campaign")
    clients = list(Client.objects.using(using).order_by("created_at", "id").values("id", "name"))
    campaigns = list(
        Campaign.objects.using(using)
        .order_by("created_at", "id")
        .values("id", "name", "client_id", "client__name")
    )
    keys = name_keys([row["name"] for row in clients + campaigns], using=using)
    groups = [("clients", group) for group in _clashing_groups(clients, keys, lambda row: None)]
    groups += [
        ("campaigns", group)
        for group in _clashing_groups(campaigns, keys, lambda row: row["client_id"])
    ]
    if groups:
        # SQLite stores a UUID as 32 hex digits, PostgreSQL as its own type.
        sqlite = schema_editor.connection.vendor == "sqlite"
        raise CommandError(_refusal(groups, lambda pk: pk.hex if sqlite else str(pk)))
    for model, rows in ((Client, clients), (Campaign, campaigns)):
        for row in rows:
            if normalize_name(row["name"]) != row["name"]:
                # update(): the row's updated_at stays what it was.
                model.objects.using(using).filter(pk=row["id"]).update(
                    name=normalize_name(row["name"])
                )


class Migration(migrations.Migration):
    dependencies = [
        ("links", "0003_database_on_delete_rules"),
    ]

    operations = [
        migrations.RunPython(refuse_clashes_then_normalize, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="campaign",
            name="campaigns_client_name_key",
        ),
        migrations.AlterField(
            model_name="client",
            name="name",
            field=models.CharField(max_length=200),
        ),
        migrations.AddConstraint(
            model_name="campaign",
            constraint=models.UniqueConstraint(
                models.F("client"),
                django.db.models.functions.text.Lower("name"),
                name="campaigns_client_name_lower_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaign",
            constraint=models.CheckConstraint(
                condition=models.Q(("name", django.db.models.functions.text.Trim("name"))),
                name="campaigns_name_trimmed",
            ),
        ),
        migrations.AddConstraint(
            model_name="client",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"), name="clients_name_lower_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="client",
            constraint=models.CheckConstraint(
                condition=models.Q(("name", django.db.models.functions.text.Trim("name"))),
                name="clients_name_trimmed",
            ),
        ),
    ]
