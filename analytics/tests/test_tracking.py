import uuid

import pytest
from django.test import RequestFactory

from analytics.clicks.geo import NOWHERE
from analytics.clicks.spool import loading
from analytics.clicks.tracking import warm_up
from analytics.clicks.visit import Visit
from analytics.models import Click
from analytics.tests.geoip_files import asn, city, write_asn, write_city, write_corrupt_city
from analytics.verdicts import bots
from links.tests.factories import LinkFactory

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def link(db):
    return LinkFactory(short_code="Trk001", original_url="https://shop.example/")


CITIES = {
    "192.0.2.0/24": city("GB", "London"),
    "198.51.100.0/24": city("SE", "Linköping"),
    "2001:db8:a::/48": city("JP", "Tokyo"),
}
NETWORKS = {"203.0.113.0/24": asn(64501, "Example Hosting")}


@pytest.fixture
def geoip(settings, tmp_path):
    settings.GEOIP_CITY_DB = write_city(tmp_path / "city.mmdb", CITIES)
    settings.GEOIP_ASN_DB = write_asn(tmp_path / "asn.mmdb", NETWORKS)
    return settings


# What a real browser sends on a top-level navigation (the bot verdict checks for it).
BROWSER_HEADERS = {
    "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9",
    "HTTP_SEC_FETCH_MODE": "navigate",
    "HTTP_SEC_FETCH_DEST": "document",
    "HTTP_SEC_FETCH_SITE": "cross-site",
    "HTTP_SEC_CH_UA": '"Chromium";v="131", "Google Chrome";v="131"',
}


BROWSER_HEADERS_SENT = {
    name[5:].lower().replace("_", "-"): value for name, value in BROWSER_HEADERS.items()
}


def follow(client, **headers):
    response = client.get("/Trk001", **{**BROWSER_HEADERS, **headers})
    assert response.status_code == 302
    loading.flush()
    return Click.objects.get()


def test_a_click_stores_where_it_came_from(client, link, geoip):
    click = follow(
        client,
        REMOTE_ADDR="192.0.2.10",
        HTTP_USER_AGENT=CHROME,
        HTTP_REFERER="https://news.example/story",
    )
    assert click.link == link
    assert click.ip_address == "192.0.2.10"
    assert (click.country, click.city) == ("GB", "London")
    assert click.user_agent == CHROME
    assert click.referrer == "https://news.example/story"
    assert (click.browser, click.os, click.device_type) == ("Chrome", "Windows", "desktop")
    assert click.is_bot is False
    assert click.bot_reason is None
    assert click.timestamp is not None


def test_a_phone_is_a_mobile_device(client, link):
    click = follow(client, HTTP_USER_AGENT=IPHONE)
    assert (click.browser, click.os, click.device_type) == ("Mobile Safari", "iOS", "mobile")


def test_a_crawler_is_stored_as_a_bot_with_its_reason(client, link):
    click = follow(client, HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1)")
    assert click.is_bot
    assert click.bot_reason.split(",")[0] == "ua:crawler"
    assert click.device_type == "bot"


def test_a_missing_user_agent_is_a_bot(client, link):
    click = follow(client)
    assert click.is_bot
    assert click.bot_reason.split(",")[0] == "ua:empty"
    assert click.user_agent == ""


def test_the_asn_reaches_the_click(client, link, geoip):
    click = follow(client, REMOTE_ADDR="203.0.113.20", HTTP_USER_AGENT=CHROME)
    assert (click.asn_number, click.asn_org) == (64501, "Example Hosting")


def test_a_genuine_forwarded_address_is_stored_behind_one_trusted_proxy(client, link, geoip):
    geoip.TRUSTED_PROXY_COUNT = 1
    click = follow(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.10")
    assert click.ip_address == "192.0.2.10"
    assert click.country == "GB"


def test_a_forged_forwarded_address_is_ignored_without_trusted_proxies(client, link, geoip):
    geoip.TRUSTED_PROXY_COUNT = 0
    click = follow(client, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert click.ip_address == "198.51.100.7"
    assert click.country == "SE"


def test_an_ipv6_visitor_is_stored(client, link, geoip):
    click = follow(client, REMOTE_ADDR="2001:db8:a::1")
    assert click.ip_address == "2001:db8:a::1"
    assert (click.country, click.city) == ("JP", "Tokyo")


def test_stored_addresses_can_be_anonymised(client, link, settings):
    settings.ANONYMIZE_IP = True
    click = follow(client, REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    assert click.ip_address == "2001:db8:1::"


@pytest.mark.parametrize("corrupt", [False, True], ids=["missing", "corrupt"])
def test_a_missing_or_corrupt_geoip_file_still_redirects_and_records(
    client, link, settings, tmp_path, corrupt
):
    path = tmp_path / "city.mmdb"
    settings.GEOIP_CITY_DB = write_corrupt_city(path, CITIES) if corrupt else str(path)
    click = follow(client, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=CHROME)
    assert click.ip_address == "192.0.2.10"
    assert click.country is None


def test_a_20_kb_user_agent_is_stored_up_to_the_cap(client, link, settings):
    settings.CLICK_USER_AGENT_MAX_CHARS = 1000
    click = follow(client, HTTP_USER_AGENT=CHROME + "x" * 20_000)
    assert click.user_agent == (CHROME + "x" * 20_000)[:1000]


@pytest.mark.parametrize("length", [1001, 8 * 1024])
def test_a_user_agent_longer_than_the_rule_is_a_bot_although_it_is_stored_cut(
    client, link, settings, length
):
    settings.CLICK_USER_AGENT_MAX_CHARS = 1000
    settings.BOT_UA_MAX_LENGTH = 1000
    user_agent = (CHROME + " " + "x" * length)[:length]
    click = follow(client, HTTP_USER_AGENT=user_agent)
    assert len(click.user_agent) == 1000
    assert click.is_bot
    assert click.bot_reason == "ua:malformed"


def test_a_user_agent_as_long_as_the_rule_allows_is_human(client, link, settings):
    settings.BOT_UA_MAX_LENGTH = 1000
    click = follow(client, HTTP_USER_AGENT=(CHROME + " " + "x" * 1000)[:1000])
    assert not click.is_bot


def test_the_verdict_reads_a_signal_header_beyond_what_used_to_be_kept(client, link):
    brands = '"Not A Brand";v="99", ' * 30 + '"HeadlessChrome";v="131"'
    assert len(brands) > 500
    click = follow(client, HTTP_USER_AGENT=CHROME, HTTP_SEC_CH_UA=brands)
    assert click.is_bot
    assert click.bot_reason == "headers:headless"


def test_a_long_referrer_is_stored_up_to_the_cap(client, link, settings):
    settings.CLICK_REFERRER_MAX_CHARS = 2000
    referrer = "https://news.example/?q=" + "a" * 5000
    click = follow(client, HTTP_REFERER=referrer)
    assert click.referrer == referrer[:2000]


def test_invalid_utf8_bytes_in_the_user_agent_are_replaced_and_judged_malformed(client, link):
    # WSGI hands headers over as latin-1: "\xff\xfe" are two raw bytes that are not UTF-8.
    click = follow(client, HTTP_USER_AGENT="Mozilla/5.0 \xff\xfe Caf\xc3\xa9 \x00")
    assert click.user_agent == "Mozilla/5.0 \ufffd\ufffd Café \ufffd"
    assert click.bot_reason.split(",")[0] == "ua:malformed"


def test_a_utf8_device_name_is_stored_as_text_and_judged_human(client, link):
    user_agent = CHROME.replace("Win64; x64", "Android 14; 华为 P60")
    click = follow(client, HTTP_USER_AGENT=user_agent.encode().decode("latin-1"))
    assert click.user_agent == user_agent
    assert not click.is_bot


def test_only_the_bot_signal_headers_are_kept_on_the_visitor():
    request = RequestFactory().get(
        "/x",
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_SEC_FETCH_MODE="navigate",
        HTTP_COOKIE="secret=1",
        HTTP_AUTHORIZATION="Bearer t",
    )
    visit = Visit.from_environ(request.META, link_id=uuid.uuid4())
    assert visit.headers == {"accept-language": "en", "sec-fetch-mode": "navigate"}


def test_a_visit_comes_back_from_its_spool_line_as_it_was():
    request = RequestFactory().get(
        "/x",
        HTTP_USER_AGENT="Mozilla/5.0 \xff\n\x00 " + "x" * 9000,
        HTTP_SEC_CH_UA='"Chromium";v="131"',
        HTTP_REFERER="https://news.example/\u2028",
    )
    visit = Visit.from_environ(request.META, link_id=uuid.uuid4())
    line = visit.encode()
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    assert Visit.decode(line) == visit
    assert len(visit.user_agent) == 8192  # the spool's safety cap, above the verdict's rule


@pytest.mark.parametrize(
    "line",
    [
        b"",
        b"[1, 2]",
        b'{"id": "x"}',
        b"\xff\xfe",
        b'{"id": "01a2343e-0b26-72b4-8bd3',
        b'{"id": "01a2343e-0b26-72b4-8bd3-63dc63765a5a", "link_id": '
        b'"01a2343e-0b26-72b4-8bd3-63dc63765a5a", "time_us": 1e400}',
        b'{"id": "01a2343e-0b26-72b4-8bd3-63dc63765a5a", "link_id": '
        b'"01a2343e-0b26-72b4-8bd3-63dc63765a5a", "time_us": 99999999999999999999}',
    ],
    ids=["empty", "not an object", "bad id", "not UTF-8", "half a line", "inf", "far future"],
)
def test_a_line_that_is_no_visit_is_a_clear_error(line):
    with pytest.raises(ValueError):
        Visit.decode(line)


def test_click_ids_are_time_ordered_version_7_uuids():
    from analytics.clicks.visit import uuid7

    ids = [uuid7() for _ in range(50)]
    assert {value.version for value in ids} == {7}
    assert {value.variant for value in ids} == {uuid.RFC_4122}
    assert len(set(ids)) == 50
    milliseconds = [value.int >> 80 for value in ids]
    assert milliseconds == sorted(milliseconds)


def test_the_sixth_click_in_30_seconds_from_one_client_is_stored_as_a_burst(client, link):
    for _ in range(7):
        response = client.get(
            "/Trk001", REMOTE_ADDR="81.2.69.142", HTTP_USER_AGENT=CHROME, **BROWSER_HEADERS
        )
        assert response.status_code == 302
    client.get("/Trk001", REMOTE_ADDR="81.2.69.143", HTTP_USER_AGENT=CHROME, **BROWSER_HEADERS)
    loading.flush()
    clicks = list(Click.objects.filter(ip_address="81.2.69.142").order_by("timestamp"))
    assert [c.is_bot for c in clicks] == [False] * 5 + [True, True]
    assert clicks[5].bot_reason == "burst" and clicks[5].bot_score == 100
    assert not Click.objects.get(ip_address="81.2.69.143").is_bot


@pytest.mark.parametrize("with_redis", [False, True], ids=["in-process", "redis"])
def test_burst_verdicts_are_the_same_when_a_batch_is_judged_twice(settings, request, with_redis):
    from datetime import UTC, datetime, timedelta

    settings.REDIS_URL = request.getfixturevalue("local_redis").url if with_redis else ""
    start = datetime.now(UTC)
    link_id = str(uuid.uuid4())
    visits = [
        Visit(
            id=str(uuid.uuid4()),
            link_id=link_id,
            timestamp=start + timedelta(seconds=n),
            ip="203.0.113.9",
            user_agent=CHROME,
            headers={} if n == 0 else BROWSER_HEADERS_SENT,
        )
        for n in range(8)
    ]
    for _ in range(2):  # a spool file loaded again after a failed INSERT
        verdicts = bots.judge_batch(visits, [NOWHERE] * 8)
        assert [v.is_bot for v in verdicts] == [True] + [False] * 4 + [True] * 3
        assert [v.bot_reason for v in verdicts][5:] == ["burst"] * 3
        assert verdicts[0].reasons[0] == "headers:browser-missing"


def test_warming_up_a_worker_parses_and_judges_a_sample_but_spools_nothing(settings, tmp_path):
    settings.CLICK_SPOOL_DIR = str(tmp_path / "spool")
    row = warm_up()
    assert (row["browser"], row["device_type"], row["is_bot"]) == ("Chrome", "desktop", False)
    assert not (tmp_path / "spool").exists() or not any((tmp_path / "spool").iterdir())
