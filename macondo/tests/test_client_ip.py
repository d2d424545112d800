import pytest

from macondo.client_ip import client_ip


def meta(remote="203.0.113.9", xff=None):
    values = {"REMOTE_ADDR": remote}
    if xff is not None:
        values["HTTP_X_FORWARDED_FOR"] = xff
    return values


def test_without_trusted_proxies_the_socket_address_is_the_visitor():
    assert client_ip(meta(), trusted_proxies=0) == "203.0.113.9"


def test_without_trusted_proxies_a_forged_header_changes_nothing():
    assert client_ip(meta(xff="1.2.3.4"), trusted_proxies=0) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_appended_is_the_visitor():
    assert client_ip(meta("10.0.0.2", "81.2.69.142"), trusted_proxies=1) == "81.2.69.142"


def test_behind_one_proxy_a_forged_left_entry_is_ignored():
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
    assert client_ip(meta("10.0.0.2", "1.2.3.4, 81.2.69.142"), trusted_proxies=1) == "81.2.69.142"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_visitor():
    xff = "1.2.3.4, 81.2.69.142, 10.0.0.1"
    assert client_ip(meta("10.0.0.2", xff), trusted_proxies=2) == "81.2.69.142"


def test_fewer_entries_than_proxies_takes_the_left_most():
    assert client_ip(meta("10.0.0.2", "81.2.69.142"), trusted_proxies=2) == "81.2.69.142"


def test_behind_a_proxy_without_the_header_the_socket_address_is_kept():
    assert client_ip(meta("10.0.0.2"), trusted_proxies=1) == "10.0.0.2"


@pytest.mark.parametrize(
    ("xff", "expected"),
    [
        ("2001:db8::7", "2001:db8::7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("81.2.69.142:51234", "81.2.69.142"),
        ("::ffff:81.2.69.142", "81.2.69.142"),
        ("fe80::1%eth0", "fe80::1"),
        ('"81.2.69.142"', "81.2.69.142"),
    ],
)
def test_ipv6_and_ports_are_understood(xff, expected):
    assert client_ip(meta("10.0.0.2", xff), trusted_proxies=1) == expected


@pytest.mark.parametrize("xff", ["garbage", "999.1.1.1", "unknown", " , ", "x" * 5000])
def test_garbage_in_the_header_falls_back_to_the_socket_address(xff):
    assert client_ip(meta("10.0.0.2", xff), trusted_proxies=1) == "10.0.0.2"


def test_an_ipv6_socket_address_works():
    assert client_ip(meta("2001:db8::1"), trusted_proxies=0) == "2001:db8::1"


def test_no_usable_address_at_all_is_none():
    assert client_ip(meta(""), trusted_proxies=0) is None


@pytest.mark.parametrize(
    ("address", "anonymized"),
    [
        ("81.2.69.142", "81.2.69.0"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", "2001:db8:1234::"),
    ],
)
def test_anonymising_zeroes_the_last_ipv4_octet_or_the_last_80_ipv6_bits(address, anonymized):
    assert client_ip(meta(address), trusted_proxies=0, anonymize_ip=True) == anonymized


def test_settings_decide_by_default(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ANONYMIZE_IP = True
    assert client_ip(meta("10.0.0.2", "1.2.3.4, 81.2.69.142")) == "81.2.69.0"
