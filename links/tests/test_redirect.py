from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.functional import empty

from analytics.clicks.spool import loading
from analytics.models import Click
from links.services import set_active, update_link
from links.tests.factories import LinkFactory

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def link(db):
    return LinkFactory(short_code="Promo24", original_url="https://shop.example/sale")


def test_a_live_link_answers_302_to_its_destination(client, link):
    response = client.get("/Promo24", HTTP_USER_AGENT=CHROME)
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example/sale"


def test_the_redirect_is_not_cached_or_indexed(client, link):
    response = client.get("/Promo24")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_a_good_link_costs_one_query_then_none_and_touches_no_session_or_user(
    client, link, django_assert_num_queries
):
    with django_assert_num_queries(1):
        first = client.get("/Promo24")
    with django_assert_num_queries(0):
        second = client.get("/Promo24")
    for response in (first, second):
        assert response.status_code == 302
        assert "Set-Cookie" not in response
        assert not response.cookies
        assert not response.wsgi_request.session.accessed
        assert response.wsgi_request.user._wrapped is empty
        assert response.templates == []


def test_each_redirect_records_one_click(client, link):
    client.get("/Promo24", HTTP_USER_AGENT=CHROME)
    client.get("/Promo24", HTTP_USER_AGENT=CHROME)
    loading.flush()
    assert Click.objects.filter(link=link).count() == 2


def test_codes_are_case_sensitive(client, link):
    assert client.get("/promo24").status_code == 404
    assert client.get("/PROMO24").status_code == 404


def test_head_answers_302_and_records_a_bot_click(client, link):
    response = client.head("/Promo24", HTTP_USER_AGENT=CHROME)
    assert response.status_code == 302
    loading.flush()
    click = Click.objects.get(link=link)
    assert click.is_bot
    assert click.bot_reason.startswith("method:head")


def test_post_is_refused_with_405_even_with_csrf_checks(link):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/Promo24").status_code == 405


def test_an_unknown_code_answers_a_small_404_page_and_records_nothing(client, db):
    response = client.get("/Nope123")
    assert response.status_code == 404
    assert b"Link not found" in response.content
    loading.flush()
    assert Click.objects.count() == 0


@pytest.mark.parametrize("path", ["/bad%20code", "/%C3%A9t%C3%A9", "/a;b", "/" + "x" * 101])
def test_codes_outside_the_alphabet_answer_404_without_a_query(
    client, db, path, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(path)
    assert response.status_code == 404


def test_an_inactive_link_answers_404_and_records_nothing(client, link):
    set_active(link, False)
    assert client.get("/Promo24").status_code == 404
    loading.flush()
    assert Click.objects.count() == 0


def test_an_expired_link_answers_410_with_a_short_page_and_records_nothing(client, link):
    link.expires_at = timezone.now() - timedelta(seconds=1)
    link.save()
    response = client.get("/Promo24")
    assert response.status_code == 410
    assert b"expired" in response.content
    loading.flush()
    assert Click.objects.count() == 0


def test_a_link_expires_at_its_time_even_while_cached(client, link, time_machine):
    time_machine.move_to(timezone.now())
    link.expires_at = timezone.now() + timedelta(minutes=1)
    link.save()
    assert client.get("/Promo24").status_code == 302
    time_machine.shift(timedelta(minutes=2))
    assert client.get("/Promo24").status_code == 410


def test_an_edit_is_seen_at_once_by_the_process_that_made_it(client, link):
    assert client.get("/Promo24").status_code == 302
    update_link(link, original_url="https://shop.example/new")
    assert client.get("/Promo24")["Location"] == "https://shop.example/new"


def test_a_cached_link_is_looked_up_again_after_the_cache_window(
    client, link, settings, django_assert_num_queries
):
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 0
    client.get("/Promo24")
    with django_assert_num_queries(1):
        client.get("/Promo24")


@pytest.mark.parametrize(
    ("destination", "query", "expected"),
    [
        ("https://shop.example/sale", "", "https://shop.example/sale"),
        ("https://shop.example/sale", "utm_source=qr", "https://shop.example/sale?utm_source=qr"),
        ("https://shop.example/sale?a=1", "b=2", "https://shop.example/sale?a=1&b=2"),
        # The destination's value wins on a clash, every repeat of the name is dropped.
        ("https://shop.example/?a=1&b=2", "b=9&c=3&b=8", "https://shop.example/?a=1&b=2&c=3"),
        # The visitor's repeats and order are kept.
        ("https://shop.example/", "c=1&c=2&d=", "https://shop.example/?c=1&c=2&d="),
        # Before the fragment, which stays last.
        ("https://shop.example/p?a=1#top", "b=2", "https://shop.example/p?a=1&b=2#top"),
        # Percent-encoded names are compared decoded.
        (
            "https://shop.example/?a%20b=1",
            "a+b=2&x=%C3%A9",
            "https://shop.example/?a%20b=1&x=%C3%A9",
        ),
    ],
)
def test_the_visitors_query_string_is_merged_into_the_destination(
    client, db, destination, query, expected
):
    LinkFactory(short_code="q1q1q1", original_url=destination)
    response = client.get(f"/q1q1q1?{query}" if query else "/q1q1q1")
    assert response["Location"] == expected


def test_query_forwarding_can_be_switched_off_per_link(client, db):
    LinkFactory(short_code="noq", original_url="https://shop.example/?a=1", forward_query=False)
    response = client.get("/noq?utm_source=qr")
    assert response["Location"] == "https://shop.example/?a=1"


def test_plain_http_gets_an_https_hop_first_in_production(client, link, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/Promo24?x=1")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/Promo24?x=1"
    secure = client.get("/Promo24?x=1", secure=True)
    assert secure.status_code == 302
    assert secure["Location"] == "https://shop.example/sale?x=1"
    loading.flush()
    assert Click.objects.count() == 1


def test_admin_and_other_app_routes_still_win_over_codes(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_recording_failure_still_redirects_and_logs_the_click(client, link, settings, caplog):
    settings.CLICK_SPOOL_DIR = "/dev/null/not-a-folder"
    response = client.get("/Promo24", HTTP_USER_AGENT=CHROME, HTTP_REFERER="https://news.example/")
    assert response.status_code == 302
    record = next(r for r in caplog.records if "click not recorded" in r.getMessage())
    assert str(link.pk) in record.getMessage()
    assert "https://news.example/" in record.getMessage()
    assert "Chrome/131" in record.getMessage()


def test_a_primed_cache_redirects_the_newest_active_links_without_a_query(
    client, db, settings, django_assert_num_queries
):
    from links import resolver

    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 60
    LinkFactory(short_code="Old001")
    LinkFactory(short_code="New001")
    LinkFactory(short_code="Off001", is_active=False)
    assert resolver.prime(limit=1) == 1
    with django_assert_num_queries(0):
        assert client.get("/New001").status_code == 302
    with django_assert_num_queries(1):
        assert client.get("/Old001").status_code == 302
    with django_assert_num_queries(1):
        assert client.get("/Off001").status_code == 404


@pytest.mark.parametrize("collecting", [True, False])
def test_priming_leaves_the_garbage_collector_as_it_found_it(db, collecting):
    import gc

    from links import resolver

    LinkFactory(short_code="Gc0001")
    was_enabled = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        assert resolver.prime(limit=10) == 1
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was_enabled else gc.disable)()


def test_priming_resumes_the_garbage_collector_when_the_query_fails(db, monkeypatch):
    import gc

    from django.db import DatabaseError

    from links import resolver

    monkeypatch.setattr(resolver, "_PRIME_SQL", "SELECT no_such_column FROM links LIMIT %s")
    assert gc.isenabled()
    with pytest.raises(DatabaseError):
        resolver.prime(limit=10)
    assert gc.isenabled()
