import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts import policy
from accounts.tests.factories import UserFactory
from analytics.models import Click
from analytics.tests.factories import ClickFactory
from links.models import Campaign, Client, Link
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory

pytestmark = pytest.mark.django_db

# Each role's answer for every action, as docs/roles.md tells people.
EXPECTED = {
    "view": {"admin", "editor", "viewer", "client"},
    "export_report": {"admin", "editor", "viewer", "client"},
    "view_staff_pages": {"admin", "editor", "viewer"},
    "see_bot_details": {"admin", "editor", "viewer"},
    "create_link": {"admin", "editor"},
    "edit_link": {"admin", "editor"},
    "delete_link": {"admin", "editor"},
    "manage_org": {"admin", "editor"},
    "create_client": {"admin", "editor"},
    "import": {"admin", "editor"},
    "export_raw": {"admin", "editor"},
    "see_ips": {"admin"},
    "delete_with_clicks": {"admin"},
    "manage_roles": {"admin"},
    "admin_site": {"admin"},
    "api_keys": {"admin", "editor", "viewer"},
    "webhooks": {"admin", "editor"},
    "share": {"admin", "editor"},
    "subscribe_reports": {"admin", "editor"},
}


def person(role, *clients):
    user = UserFactory(role=role)
    user.clients.set(clients)
    return user


def test_every_action_is_listed_here():
    assert set(EXPECTED) == set(policy.ACTIONS)


@pytest.mark.parametrize("role", ["admin", "editor", "viewer", "client"])
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_role_may_do_exactly_its_actions(role, action):
    client = ClientFactory()
    # Staff unlimited, a client viewer with their client.
    user = person(role, client) if role == "client" else person(role)

    assert policy.can(user, action) == (role in EXPECTED[action])
    if role in EXPECTED[action]:
        assert policy.require(user, action, client) is client
    else:
        with pytest.raises(PermissionDenied):
            policy.require(user, action, client)


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown action"):
        policy.can(UserFactory(), "fly")


def test_a_deactivated_person_may_do_nothing():
    user = UserFactory(role="admin", is_active=False)

    assert not any(policy.can(user, action) for action in policy.ACTIONS)
    assert not policy.visible_clients(user).exists()


def test_the_admin_flags_follow_the_role():
    user = UserFactory(role="admin")
    assert user.is_staff and user.is_superuser

    user.role = "editor"
    user.save(update_fields=["role"])
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


def test_unlimited_staff_see_every_client_and_limited_staff_their_own():
    mine, other = ClientFactory(), ClientFactory()

    assert set(policy.visible_clients(person("viewer"))) == {mine, other}
    assert list(policy.visible_clients(person("editor", mine))) == [mine]


def test_a_client_viewer_without_a_client_sees_nothing():
    ClientFactory()

    assert not policy.visible_clients(person("client")).exists()


@pytest.mark.parametrize("role", ["editor", "viewer", "client"])
def test_objects_of_another_client_are_not_found(role):
    mine, other = ClientFactory(), ClientFactory()
    user = person(role, mine)
    campaign = CampaignFactory(client=other)
    link = LinkFactory(client=other, campaign=campaign)
    click = ClickFactory(link=link)

    for obj in (other, campaign, link, click):
        assert not policy.can(user, "view", obj)
        with pytest.raises(Http404):
            policy.require(user, "view", obj)
        # Not found comes first: nobody learns the object exists from a 403.
        with pytest.raises(Http404):
            policy.require(user, "delete_with_clicks", obj)


def test_scope_narrows_each_kind_of_row_to_the_visible_clients():
    mine, other = ClientFactory(), ClientFactory()
    mine_link = LinkFactory(client=mine, campaign=CampaignFactory(client=mine))
    LinkFactory(client=other, campaign=CampaignFactory(client=other))
    mine_click = ClickFactory(link=mine_link)
    ClickFactory(link=LinkFactory(client=other))
    user = person("client", mine)

    assert list(policy.scope(Client.objects.all(), user)) == [mine]
    assert list(policy.scope(Campaign.objects.all(), user)) == [mine_link.campaign]
    assert list(policy.scope(Link.objects.all(), user)) == [mine_link]
    assert list(policy.scope(Click.objects.all(), user)) == [mine_click]
    assert policy.scope(Link.objects.all(), person("viewer")).count() == 3


def test_the_visible_clients_are_asked_once_per_user_object(django_assert_num_queries):
    user = person("editor", ClientFactory())
    user = type(user).objects.get(pk=user.pk)

    with django_assert_num_queries(1):
        for _ in range(3):
            policy.visible_client_ids(user)
    user.clients.clear()
    policy.forget(user)
    assert policy.visible_client_ids(user) is None


def test_deleting_a_client_or_campaign_with_clicks_is_for_admins_only():
    client = ClientFactory()
    campaign = CampaignFactory(client=client)
    empty = CampaignFactory(client=client)
    ClickFactory(link=LinkFactory(client=client, campaign=campaign))
    editor, admin = person("editor"), person("admin")

    assert policy.can_delete(editor, empty)
    assert not policy.can_delete(editor, campaign)
    assert not policy.can_delete(editor, client)
    with pytest.raises(PermissionDenied):
        policy.require_delete(editor, client)
    assert policy.can_delete(admin, campaign) and policy.can_delete(admin, client)
    assert not policy.can_delete(person("viewer"), empty)


def test_a_key_never_has_more_than_its_owner():
    mine, other = ClientFactory(), ClientFactory()
    viewer = person("viewer", mine)

    assert policy.allowed_scopes(viewer, ["links:read", "links:write", "stats:read"]) == [
        "links:read",
        "stats:read",
    ]
    assert policy.key_clients(viewer, [], all_clients=True) == {mine.pk}
    assert policy.key_clients(viewer, [mine.pk, other.pk], all_clients=False) == {mine.pk}
    assert policy.key_clients(person("editor"), [other.pk], all_clients=False) == {other.pk}
    assert policy.key_clients(person("editor"), [], all_clients=True) is None


def test_staff_limited_to_some_clients_cannot_create_clients():
    assert not policy.can(person("editor", ClientFactory()), "create_client")
    assert policy.can(person("editor", ClientFactory()), "manage_org")


def test_admins_see_every_client_whatever_rows_say():
    mine, other = ClientFactory(), ClientFactory()

    assert set(policy.visible_clients(person("admin", mine))) == {mine, other}
