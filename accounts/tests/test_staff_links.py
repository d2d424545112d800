"""Staff move between the dashboard and the Django admin in one click each way."""

import pytest

from accounts.tests.factories import UserFactory

ADMIN_LINK = '<a href="/admin/">Admin</a>'


@pytest.mark.parametrize(
    ("role", "sees_admin"), [("admin", True), ("editor", False), ("viewer", False)]
)
def test_dashboard_nav_links_to_the_admin_for_admins_only(db, client, role, sees_admin):
    client.force_login(UserFactory(role=role))

    page = client.get("/dashboard/").content.decode()

    assert 'aria-label="Dashboard"' in page
    assert (ADMIN_LINK in page) is sees_admin


def test_admin_header_links_back_to_the_dashboard(admin_client):
    page = admin_client.get("/admin/").content.decode()
    user_tools = page[page.index('id="user-tools"') : page.index('id="logout-form"')]

    assert '<a href="/dashboard/">Dashboard</a>' in user_tools
    assert "View site" not in user_tools
    # The admin's own links are still there, once.
    assert page.count('id="logout-form"') == 1
