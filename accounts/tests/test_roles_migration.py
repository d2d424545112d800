import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("accounts", "0001_initial")
ROLES = ("accounts", "0002_roles_and_client_limits")


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.fixture
def before_roles(transactional_db):
    apps = migrate_to(BEFORE)
    yield apps
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM users")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def roles():
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, role, is_staff, is_superuser FROM users ORDER BY email")
        return cursor.fetchall()


def test_superusers_become_admins_and_the_rest_get_the_default_role(before_roles, settings):
    User = before_roles.get_model("accounts", "User")
    User.objects.create(email="boss@corp.example", is_staff=True, is_superuser=True)
    User.objects.create(email="staff@corp.example")
    settings.DEFAULT_STAFF_ROLE = "viewer"

    migrate_to(ROLES)

    assert roles() == [
        ("boss@corp.example", "admin", True, True),
        ("staff@corp.example", "viewer", False, False),
    ]
    # A row written without the column (raw SQL) gets the least powerful staff role.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO users (id, password, email, name, is_superuser, is_staff, is_active, "
            "created_at, updated_at) VALUES (gen_random_uuid(), '!', 'raw@corp.example', '', "
            "false, false, true, now(), now())"
        )
    assert roles()[1] == ("raw@corp.example", "viewer", False, False)

    migrate_to(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, is_superuser FROM users ORDER BY email")
        assert cursor.fetchall()[0] == ("boss@corp.example", True)
    migrate_to(ROLES)
