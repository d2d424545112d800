from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError

from links.destinations import (
    MAX_URL_LENGTH,
    display_url,
    normalize_destination,
    shown_destination,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://example.com/", "https://example.com/"),
        ("  https://example.com/a?b=1#c  ", "https://example.com/a?b=1#c"),
        ("HTTP://Example.COM/Path", "http://example.com/Path"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://例え.jp/", "https://xn--r8jz45g.jp/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("http://[2001:db8::1]/", "http://[2001:db8::1]/"),
        ("https://example.com/?q=a%20b", "https://example.com/?q=a%20b"),
    ],
)
def test_good_destinations_are_normalised_to_ascii(raw, expected):
    assert normalize_destination(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("javascript:alert(1)", "scheme"),
        ("JavaScript:alert(1)", "scheme"),
        ("data:text/html,<script>alert(1)</script>", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("ftp://example.com/file", "scheme"),
        ("example.com/no-scheme", "scheme"),
        ("//example.com/protocol-relative", "scheme"),
        ("https://user:secret@example.com/", "credentials"),
        ("https://user@example.com/", "credentials"),
        ("https://exa mple.com/", "whitespace"),
        ("https://example.com/a\nb", "whitespace"),
        ("https://example.com/\x00", "whitespace"),
        ("https://example.com/\u200b", "whitespace"),
        ("https:///nohost", "host"),
        ("https://example.com:99999/", "invalid"),
        ("https://" + "a" * 64 + ".com/", "invalid"),
        ("https://bü" + "c" * 70 + ".example/", "host"),
        ("https://exa_mple..com/", "invalid"),
        ("https://example.com/" + "a" * MAX_URL_LENGTH, "too_long"),
        ("", "required"),
        ("http://127.0.0.1:8000/abc", "loop"),
    ],
)
def test_bad_destinations_are_refused_with_a_clear_reason(raw, code):
    with pytest.raises(ValidationError) as error:
        normalize_destination(raw)
    assert error.value.code == code
    assert error.value.messages[0]


def test_links_to_the_short_link_domain_are_refused(settings):
    settings.SHORT_LINK_BASE_URL = "https://mcd.link"
    with pytest.raises(ValidationError) as error:
        normalize_destination("https://MCD.link/abc1234")
    assert error.value.code == "loop"
    settings.SHORT_LINK_EXTRA_HOSTS = ["old.example"]
    with pytest.raises(ValidationError):
        normalize_destination("https://old.example/x")


def test_an_idn_destination_is_displayed_in_its_own_script():
    assert display_url("https://xn--bcher-kva.example/a") == "https://bücher.example/a"
    assert display_url("https://example.com/a") == "https://example.com/a"


@pytest.mark.parametrize(
    ("allowed_hosts", "url"),
    [
        (["links.example.com"], "https://links.example.com/abc"),
        (["links.example.com"], "https://LINKS.Example.COM./abc"),
        (["links.example.com"], "https://links.example.com:8443/abc"),
        (["Links.Example.com."], "https://links.example.com/abc"),
        (["links.example.com:8000"], "https://links.example.com/abc"),
        ([".example.com"], "https://example.com/"),
        ([".example.com"], "https://a.b.example.com/"),
        (["*", "go.example"], "https://go.example/x"),
        (["[::1]"], "http://[::1]:8000/"),
        (["[::1]"], "http://[0:0:0:0:0:0:0:1]/"),
        (["[2001:DB8::1]:8000"], "http://[2001:db8:0::1]/"),
        (["127.0.0.1"], "http://127.0.0.1:9000/"),
        (["bücher.example"], "https://xn--bcher-kva.example/"),
        (["xn--bcher-kva.example"], "https://BÜCHER.example/"),
        ([".пример.рф"], "https://shop.пример.рф/"),
    ],
)
def test_a_destination_on_any_host_the_app_answers_to_is_a_loop(settings, allowed_hosts, url):
    settings.SHORT_LINK_BASE_URL = "https://mcd.link"
    settings.SHORT_LINK_EXTRA_HOSTS = []
    settings.ALLOWED_HOSTS = allowed_hosts
    with pytest.raises(ValidationError) as error:
        normalize_destination(url)
    assert error.value.code == "loop"
    assert "loop" in error.value.messages[0]


@pytest.mark.parametrize(
    ("allowed_hosts", "url"),
    [
        (["links.example.com"], "https://example.com/"),
        (["links.example.com"], "https://links.example.com.evil.example/"),
        (["links.example.com"], "https://other.links.example.com/"),
        ([".example.com"], "https://notexample.com/"),
        ([".example.com"], "https://example.com.evil.example/"),
        (["*"], "https://anything.example/"),
        (["[::1]"], "http://[::2]/"),
        (["127.0.0.1"], "http://127.0.0.2/"),
        (["[::1"], "https://example.org/"),
        (["."], "https://example.org/"),
    ],
)
def test_hosts_the_app_does_not_answer_to_stay_allowed(settings, allowed_hosts, url):
    settings.SHORT_LINK_BASE_URL = "https://mcd.link"
    settings.SHORT_LINK_EXTRA_HOSTS = []
    settings.ALLOWED_HOSTS = allowed_hosts
    assert normalize_destination(url)


@pytest.mark.parametrize(
    "url", ["https://mcd.link/x", "https://old.example/x", "https://a.old.example/"]
)
def test_with_any_host_allowed_the_short_link_hosts_are_still_loops(settings, url):
    settings.SHORT_LINK_BASE_URL = "https://mcd.link"
    settings.SHORT_LINK_EXTRA_HOSTS = ["old.example", ".old.example"]
    settings.ALLOWED_HOSTS = ["*"]
    with pytest.raises(ValidationError) as error:
        normalize_destination(url)
    assert error.value.code == "loop"


@pytest.mark.parametrize(
    ("host", "mixed"),
    [
        ("аррӏе.com", ("Cyrillic", "Latin")),  # every letter of the name Cyrillic
        ("pаypal.com", ("Cyrillic", "Latin")),  # one Cyrillic "а" among Latin letters
        ("αpple.com", ("Greek", "Latin")),
        ("παράδειγμα.пример.рф", ("Cyrillic", "Greek")),
        ("пример.рф", ()),
        ("bücher.example", ()),
        ("例え.jp", ()),
        ("佐々木.jp", ()),
        ("한국.com", ()),
        ("मराठी.com", ()),
        ("example.com", ()),
    ],
)
def test_a_host_mixing_scripts_is_shown_with_its_punycode(host, mixed):
    url = normalize_destination(f"https://{host}/login")
    shown = shown_destination(url)
    assert shown.text == f"https://{host}/login"
    assert shown.scripts == mixed
    assert shown.punycode_host == (urlsplit(url).hostname if mixed else "")
    assert shown.readable_host == (host if mixed else "")
