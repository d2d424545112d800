import pytest

from links.models import Client, Link, UtmRules
from links.shortcodes import GENERATED_ALPHABET, GENERATED_LENGTH
from links.tests.factories import ClientFactory, LinkFactory, TagFactory

ADD = "/admin/links/link/add/"


def inline(tags=(), initial=0, ids=()):
    data = {
        "link_tags-TOTAL_FORMS": str(max(len(tags), 1)),
        "link_tags-INITIAL_FORMS": str(initial),
        "link_tags-MIN_NUM_FORMS": "0",
        "link_tags-MAX_NUM_FORMS": "1000",
    }
    for number, tag in enumerate(tags):
        data[f"link_tags-{number}-tag"] = str(tag.pk)
        if number < len(ids):
            data[f"link_tags-{number}-id"] = str(ids[number])
    return data


@pytest.fixture
def form(superuser):
    client = ClientFactory()
    return {
        "short_code": "",
        "name": "Summer sale",
        "original_url": "https://shop.example/sale",
        "client": str(client.pk),
        "campaign": "",
        "user": str(superuser.pk),
        "expires_at_0": "",
        "expires_at_1": "",
        "is_active": "on",
        "forward_query": "on",
    }


def test_a_blank_short_code_gets_a_generated_one_and_the_tags_are_saved(admin_client, form):
    tag = TagFactory(name="Summer")
    response = admin_client.post(ADD, {**form, **inline([tag])})
    assert response.status_code == 302, response.context["adminform"].form.errors
    link = Link.objects.get()
    assert len(link.short_code) == GENERATED_LENGTH
    assert set(link.short_code) <= set(GENERATED_ALPHABET)
    assert list(link.tags.values_list("name", flat=True)) == ["Summer"]


def test_a_typed_short_code_is_kept_as_an_alias(admin_client, form):
    response = admin_client.post(ADD, {**form, "short_code": "Summer-26", **inline()})
    assert response.status_code == 302
    assert Link.objects.get().short_code == "Summer-26"


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("admin", "reserved"),
        ("ab", "3 to 50"),
        ("no spaces", "letters, digits"),
        ("TAKEN", "already taken"),
    ],
)
def test_a_bad_alias_is_a_form_error(admin_client, form, alias, message):
    LinkFactory(short_code="taken")
    response = admin_client.post(ADD, {**form, "short_code": alias, **inline()})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["short_code"]
    assert message in " ".join(errors)
    assert Link.objects.count() == 1


def test_a_refused_destination_is_a_form_error(admin_client, form):
    response = admin_client.post(ADD, {**form, "original_url": "javascript:alert(1)", **inline()})
    assert response.status_code == 200
    assert "original_url" in response.context["adminform"].form.errors
    assert not Link.objects.exists()


def test_the_short_code_is_read_only_on_change_but_tags_stay_editable(admin_client, form):
    link = LinkFactory(short_code="Keep01", client_id=form["client"])
    url = f"/admin/links/link/{link.pk}/change/"
    page = admin_client.get(url)
    assert b'name="short_code"' not in page.content
    tag = TagFactory(name="Autumn")
    response = admin_client.post(
        url, {**form, "short_code": "Changed", "name": "Renamed", **inline([tag])}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.short_code, link.name) == ("Keep01", "Renamed")
    assert list(link.tags.values_list("name", flat=True)) == ["Autumn"]


def test_the_clients_utm_rules_are_form_errors_on_add_and_change(admin_client, form):
    UtmRules.objects.create(client_id=form["client"], required=["utm_source"], lowercase=True)
    bad = {**form, "original_url": "https://shop.example/?utm_medium=Email"}
    response = admin_client.post(ADD, {**bad, **inline()})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["original_url"] == [
        f"utm_source is required for client “{Client.objects.get().name}”.",
        "utm_medium must be lowercase: “email”, not “Email”.",
    ]
    assert not Link.objects.exists()
    link = LinkFactory(client_id=form["client"], original_url="https://shop.example/?utm_source=a")
    url = f"/admin/links/link/{link.pk}/change/"
    response = admin_client.post(url, {**bad, **inline()})
    assert response.status_code == 200
    assert "original_url" in response.context["adminform"].form.errors
    link.refresh_from_db()
    assert link.original_url == "https://shop.example/?utm_source=a"
