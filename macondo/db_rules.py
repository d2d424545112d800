"""ON DELETE rules in the database itself.

Django 5.2 emulates `on_delete` in Python and creates foreign keys without ON DELETE
clauses, so a raw-SQL delete (psql, another client, the old system during a migration)
would fail or orphan rows. The migrations recreate each foreign key with the rule the
Macondo schema requires. Any later migration that alters one of these fields makes Django
rebuild the constraint without the rule: re-run `set_on_delete` after it.
"""

from django.db import migrations

# (table, column, referenced table, rule): the Macondo schema's cascade/set-null rules.
ON_DELETE_RULES = [
    ("campaigns", "client_id", "clients", "CASCADE"),
    ("links", "user_id", "users", "CASCADE"),
    ("links", "client_id", "clients", "CASCADE"),
    ("links", "campaign_id", "campaigns", "SET NULL"),
    ("link_tags", "link_id", "links", "CASCADE"),
    ("link_tags", "tag_id", "tags", "CASCADE"),
    ("clicks", "link_id", "links", "CASCADE"),
]

_FIND_FK = """
    SELECT con.conname
    FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
    WHERE con.contype = 'f' AND rel.relname = %s AND att.attname = %s
      AND rel.relnamespace = current_schema()::regnamespace
"""


def _recreate(schema_editor, table, column, ref_table, rule):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_FIND_FK, [table, column])
        names = [row[0] for row in cursor.fetchall()]
    qn = schema_editor.quote_name
    name = names[0] if names else f"{table}_{column}_fkey"
    for existing in names:
        schema_editor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(existing)}")
    on_delete = f" ON DELETE {rule}" if rule else ""
    schema_editor.execute(
        f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} FOREIGN KEY ({qn(column)}) "
        f"REFERENCES {qn(ref_table)} (id){on_delete} DEFERRABLE INITIALLY DEFERRED"
    )


def set_on_delete(rules=ON_DELETE_RULES):
    """A migration operation that gives PostgreSQL foreign keys their ON DELETE rules.

    SQLite (the quick start only) keeps Django's emulation: changing a constraint there
    means rebuilding the table, and nothing but Django writes to that file.
    """

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column, ref_table, rule in rules:
            _recreate(schema_editor, table, column, ref_table, rule)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column, ref_table, _rule in rules:
            _recreate(schema_editor, table, column, ref_table, None)

    return migrations.RunPython(forwards, backwards, elidable=False)
