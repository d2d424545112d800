"""Where webhooks may go: the URL rules when a subscription is made, and the address rules
on every delivery (server-side request forgery), against a real local receiver."""

import socket

import pytest
from django.core.exceptions import ValidationError

from webhooks import services
from webhooks.models import Delivery

from .factories import SubscriptionFactory
from .helpers import attempts, create_link, deliver
from .receiver import Answer, Receiver

EVENTS = ["link.created"]


def refusal(url):
    with pytest.raises(ValidationError) as caught:
        services.create_subscription(owner=None, url=url, events=EVENTS)
    return " ".join(caught.value.message_dict["url"])


@pytest.mark.parametrize(
    "url, says",
    [
        ("http://hooks.example.com/macondo", "https only"),
        ("ftp://hooks.example.com/", "must start with https://"),
        ("hooks.example.com/macondo", "must start with https://"),
        ("https://user:secret@hooks.example.com/", "user name or password"),
        ("https://hooks.example.com/#top", "#fragment"),
        ("https://hooks.example.com:99999/", "invalid port"),
        ("https:///macondo", "no host name"),
        ("https://hooks.example.com/ macondo", "spaces or control characters"),
        ("https://hooks.example.com/" + "a" * 2100, "longer than 2048"),
        ("https://127.0.0.1/hook", "a loopback address"),
        ("https://[::1]/hook", "a loopback address"),
        ("https://[::ffff:127.0.0.1]/hook", "a loopback address"),
        ("https://10.1.2.3/hook", "a private address"),
        ("https://192.168.0.10/hook", "a private address"),
        ("https://[fd00::1]/hook", "a private address"),
        ("https://100.64.0.1/hook", "not a public address"),
        ("https://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("https://224.0.0.1/hook", "a multicast address"),
        ("https://0.0.0.0/hook", "an unspecified address"),
        ("https://240.0.0.1/hook", "a reserved address"),
        ("https://[64:ff9b::a00:1]/hook", "a private address"),
        ("https://localhost:8443/hook", "this machine"),
        ("https://api.localhost/hook", "this machine"),
        ("", "Enter the address"),
    ],
)
def test_a_target_url_is_refused_with_a_reason(db, url, says):
    assert says in refusal(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/macondo?source=links",
        "https://hooks.example.com:8443/macondo",
        "https://bücher.example/hook",
        "https://93.184.216.34/hook",
    ],
)
def test_a_public_https_target_is_accepted(owner, url):
    subscription = services.create_subscription(owner=owner, url=url, events=EVENTS)
    assert subscription.url == url


def test_loopback_and_private_targets_are_accepted_only_when_the_setting_allows(
    owner, local_targets
):
    for url in ["http://127.0.0.1:8080/hook", "https://10.1.2.3/hook", "http://localhost/hook"]:
        assert services.create_subscription(owner=owner, url=url, events=EVENTS).url == url


@pytest.mark.parametrize(
    "url", ["https://169.254.169.254/latest/", "https://224.0.0.1/", "https://0.0.0.0/"]
)
def test_link_local_multicast_and_unspecified_targets_are_refused_even_then(db, local_targets, url):
    assert "address" in refusal(url)


# --- On every delivery ----------------------------------------------------------------------


@pytest.fixture
def http_allowed(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    return settings


def test_a_loopback_receiver_gets_nothing_when_private_targets_are_not_allowed(
    owner, http_allowed, receiver
):
    # Made while the setting allowed it (or by a migration): the delivery checks again.
    SubscriptionFactory(owner=owner, url=receiver.url())
    create_link(owner)
    assert deliver() == "1 deliveries attempted: 0 delivered, 1 failed."
    assert receiver.requests == []
    [attempt] = attempts()
    assert attempt.status_code is None
    assert "127.0.0.1 resolves to 127.0.0.1, a loopback address: refused" in attempt.error


def test_a_host_name_that_resolves_to_loopback_is_refused(owner, http_allowed, receiver):
    SubscriptionFactory(owner=owner, url=f"http://localhost:{receiver.port}/hook")
    create_link(owner)
    deliver()
    assert receiver.requests == []
    [attempt] = attempts()
    assert "localhost resolves to" in attempt.error and "a loopback address" in attempt.error


class FakeDNS:
    """socket.getaddrinfo for names under .example.test, answering from a table (the
    tests have no resolver of their own); every other name goes to the real one."""

    def __init__(self, monkeypatch, answers):
        self.answers = answers
        self.lookups = []
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if not str(host).endswith(".example.test"):
                return real(host, port, *args, **kwargs)
            self.lookups.append(host)
            addresses = self.answers[host]
            if callable(addresses):
                addresses = addresses(len(self.lookups))
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port),
                )
                for a in addresses
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_every_address_of_a_name_is_checked(owner, http_allowed, monkeypatch):
    FakeDNS(monkeypatch, {"mixed.example.test": ["93.184.216.34", "10.0.0.7"]})
    SubscriptionFactory(owner=owner, url="http://mixed.example.test/hook")
    create_link(owner)
    deliver()
    [attempt] = attempts()
    assert "mixed.example.test resolves to 10.0.0.7, a private address: refused" in attempt.error


def test_the_request_goes_to_the_checked_address_not_to_a_second_lookup(
    owner, local_targets, receiver, monkeypatch
):
    # The name answers the receiver's address once, then an address nobody listens on: a
    # client that looked it up again on connecting would miss the receiver (DNS rebinding).
    dns = FakeDNS(
        monkeypatch,
        {"rebind.example.test": lambda n: ["127.0.0.1"] if n == 1 else ["203.0.113.9"]},
    )
    SubscriptionFactory(owner=owner, url=f"http://rebind.example.test:{receiver.port}/hook")
    create_link(owner)
    assert deliver() == "1 deliveries attempted: 1 delivered, 0 failed."
    assert dns.lookups == ["rebind.example.test"]
    [request] = receiver.requests
    assert request.headers["Host"] == f"rebind.example.test:{receiver.port}"


def test_a_redirect_is_not_followed_even_to_an_allowed_address(owner, local_targets, receiver):
    with Receiver() as inside:
        receiver.plan(Answer(status=302, headers=(("Location", inside.url("/admin")),)))
        SubscriptionFactory(owner=owner, url=receiver.url())
        create_link(owner)
        deliver()
        assert inside.requests == []
    assert len(receiver.requests) == 1
    [attempt] = attempts()
    assert attempt.status_code == 302
    assert f"redirect to {inside.url('/admin')}); redirects are not followed" in attempt.error
    assert Delivery.objects.get().status == Delivery.Status.PENDING  # retried later


def test_a_target_that_does_not_answer_costs_the_read_timeout(owner, local_targets, receiver):
    local_targets.WEBHOOKS_READ_TIMEOUT_SECONDS = 0.3
    receiver.plan(Answer(delay=2))
    SubscriptionFactory(owner=owner, url=receiver.url())
    create_link(owner)
    deliver()
    [attempt] = attempts()
    assert "timed out" in attempt.error
    assert 250 <= attempt.duration_ms < 1500


def test_a_closed_port_is_a_failed_attempt_saying_so(owner, local_targets):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nobody listens there once closed
    SubscriptionFactory(owner=owner, url=f"http://127.0.0.1:{port}/hook")
    create_link(owner)
    deliver()
    [attempt] = attempts()
    assert attempt.error == "could not connect to 127.0.0.1: Connection refused"


def test_a_trickling_answer_is_read_until_the_deadline_only(owner, local_targets, receiver):
    local_targets.WEBHOOKS_CONNECT_TIMEOUT_SECONDS = 0.2
    local_targets.WEBHOOKS_READ_TIMEOUT_SECONDS = 0.2  # deadline: 0.2 + 2 × 0.2 s
    receiver.plan(Answer(body=b"x" * 200, trickle=0.02))  # 4 s to send it all
    SubscriptionFactory(owner=owner, url=receiver.url())
    create_link(owner)
    assert deliver() == "1 deliveries attempted: 1 delivered, 0 failed."
    [attempt] = attempts()
    assert 0 < len(attempt.response_excerpt) < 200
    assert attempt.duration_ms < 1500


def test_a_long_answer_is_read_up_to_the_cap(owner, local_targets, receiver):
    local_targets.WEBHOOKS_RESPONSE_MAX_BYTES = 100
    receiver.plan(Answer(body=b"y" * 5_000_000))
    SubscriptionFactory(owner=owner, url=receiver.url())
    create_link(owner)
    deliver()
    [attempt] = attempts()
    assert attempt.response_excerpt == "y" * 100
