"""Signals beyond the user agent: request headers and the network."""

import pytest

from analytics.clicks.geo import Location
from analytics.clicks.visit import Visit
from analytics.tests.test_bots import (
    ANDROID_WEBVIEW,
    CHROME,
    CHROME_HEADERS,
    SAFARI_HEADERS,
    SAFARI_IPHONE,
)
from analytics.verdicts.bots import judge

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def without(headers, *names):
    return {k: v for k, v in headers.items() if k not in names}


def test_a_chrome_navigation_with_its_usual_headers_is_human():
    assert judge(Visit(user_agent=CHROME, headers=CHROME_HEADERS)).reasons == ()


def test_safari_needs_no_client_hints():
    assert not judge(Visit(user_agent=SAFARI_IPHONE, headers=SAFARI_HEADERS)).reasons


def test_an_android_webview_needs_no_client_hints():
    verdict = judge(Visit(user_agent=ANDROID_WEBVIEW, headers=SAFARI_HEADERS))
    assert not verdict.reasons


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("purpose", "prefetch"),
        ("x-purpose", "preview"),
        ("sec-purpose", "prefetch;prerender"),
        ("x-moz", "prefetch"),
    ],
)
def test_prefetch_and_preview_requests_are_bots(header, value):
    verdict = judge(Visit(user_agent=CHROME, headers={**CHROME_HEADERS, header: value}))
    assert verdict.is_bot
    assert verdict.reasons == ("request:prefetch",)


def test_a_purpose_header_that_is_no_prefetch_is_no_evidence():
    verdict = judge(Visit(user_agent=CHROME, headers={**CHROME_HEADERS, "purpose": "x"}))
    assert not verdict.is_bot


def test_a_headless_brand_in_client_hints_is_a_bot():
    headers = {**CHROME_HEADERS, "sec-ch-ua": '"HeadlessChrome";v="129", "Chromium";v="129"'}
    verdict = judge(Visit(user_agent=CHROME, headers=headers))
    assert verdict.is_bot
    assert verdict.reasons == ("headers:headless",)


@pytest.mark.parametrize("user_agent", [CHROME, FIREFOX, SAFARI_IPHONE])
def test_a_browser_user_agent_without_any_browser_header_is_a_bot(user_agent):
    verdict = judge(Visit(user_agent=user_agent, headers={"accept": "*/*"}))
    assert verdict.is_bot
    assert verdict.reasons[0] == "headers:browser-missing"
    assert verdict.score >= 70


@pytest.mark.parametrize(
    "kept", ["accept-language", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"]
)
def test_one_navigation_header_is_enough_to_claim_a_browser(kept):
    headers = {kept: CHROME_HEADERS.get(kept, "x"), "accept": "*/*"}
    verdict = judge(Visit(user_agent=FIREFOX, headers=headers))
    assert "headers:browser-missing" not in verdict.reasons
    assert not verdict.is_bot


def test_chrome_without_client_hints_alone_is_weak_evidence():
    verdict = judge(Visit(user_agent=CHROME, headers=without(CHROME_HEADERS, "sec-ch-ua")))
    assert not verdict.is_bot
    assert verdict.reasons == ("headers:no-client-hints",)
    assert verdict.score == 30
    assert verdict.bot_reason == "headers:no-client-hints"


def test_old_chrome_is_not_expected_to_send_client_hints():
    old = CHROME.replace("Chrome/131", "Chrome/80")
    assert not judge(Visit(user_agent=old, headers=SAFARI_HEADERS)).reasons


def test_unknown_headers_are_no_evidence():
    assert judge(Visit(user_agent=CHROME, headers=None)).reasons == ()


def test_header_signals_do_not_apply_to_declared_bots():
    verdict = judge(Visit(user_agent="curl/8.4.0", headers={}))
    assert verdict.reasons == ("ua:http-client",)


@pytest.mark.parametrize(
    ("asn_number", "asn_org"),
    [
        (16509, "AMAZON-02"),
        (14061, "DIGITALOCEAN-ASN"),
        (24940, "Hetzner Online GmbH"),
        (None, "OVH SAS"),
        (None, "Akamai Connected Cloud"),
        (99999, "Contabo GmbH"),
        (15169, "Google Inc."),
    ],
)
def test_a_datacenter_network_alone_is_not_enough(asn_number, asn_org):
    verdict = judge(
        Visit(user_agent=CHROME, headers=CHROME_HEADERS),
        Location(asn_number=asn_number, asn_org=asn_org),
    )
    assert not verdict.is_bot
    assert verdict.reasons == ("net:datacenter",)
    assert verdict.bot_reason == "net:datacenter"
    assert verdict.score == 40


@pytest.mark.parametrize(
    ("asn_number", "asn_org"),
    [
        (7922, "Comcast Cable Communications, Inc."),
        (3320, "Deutsche Telekom AG"),
        (35994, "Akamai Technologies, Inc."),  # the CDN: iCloud Private Relay and the like
        (13335, "Cloudflare, Inc."),
        (None, None),
    ],
)
def test_isp_and_relay_networks_are_not_datacenters(asn_number, asn_org):
    verdict = judge(Visit(user_agent=CHROME), Location(asn_number=asn_number, asn_org=asn_org))
    assert verdict.reasons == ()


def test_a_datacenter_with_missing_client_hints_is_a_bot():
    headers = without(CHROME_HEADERS, "sec-ch-ua")
    verdict = judge(Visit(user_agent=CHROME, headers=headers), Location(asn_number=16509))
    assert verdict.is_bot
    assert verdict.reasons == ("headers:no-client-hints", "net:datacenter")
    assert verdict.score == 70


def test_strict_mode_makes_a_datacenter_alone_a_bot(settings):
    settings.BOT_DATACENTER_STRICT = True
    verdict = judge(Visit(user_agent=CHROME, headers=CHROME_HEADERS), Location(asn_number=14061))
    assert verdict.is_bot
    assert verdict.reasons == ("net:datacenter",)
    assert verdict.score == 100


def test_the_threshold_is_a_setting(settings):
    settings.BOT_SCORE_THRESHOLD = 30
    headers = without(CHROME_HEADERS, "sec-ch-ua")
    assert judge(Visit(user_agent=CHROME, headers=headers)).is_bot


def test_a_setting_changed_in_a_running_process_applies_to_the_next_verdict(settings):
    visit = Visit(user_agent=CHROME, headers=without(CHROME_HEADERS, "sec-ch-ua"))
    assert not judge(visit).is_bot
    settings.BOT_SCORE_THRESHOLD = 30
    assert judge(visit).is_bot
    settings.BOT_DATACENTER_STRICT = True
    assert judge(
        Visit(user_agent=CHROME, headers=CHROME_HEADERS), Location(asn_number=14061)
    ).is_bot


def test_a_long_agent_is_malformed_however_often_it_was_seen_short_enough(settings):
    agent = CHROME + " x" * 100
    assert not judge(Visit(user_agent=agent, headers=CHROME_HEADERS)).is_bot
    settings.BOT_UA_MAX_LENGTH = 200
    assert judge(Visit(user_agent=agent, headers=CHROME_HEADERS)).reasons == ("ua:malformed",)
