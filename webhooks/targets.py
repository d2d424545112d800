"""Where webhooks may be sent, and the one function that sends them.

A target URL names a host we resolve ourselves: every address it resolves to must be a
public one (server-side request forgery: a subscription must not make us POST to our own
database, Redis, a cloud metadata service or anything else on the private network), and
the request then goes to the address we checked, not to a second lookup of the name (DNS
rebinding). Redirects are never followed, timeouts are short and the answer is read up to
a cap, so a hostile target costs a worker seconds, not minutes or memory.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import idna
import urllib3
from django.conf import settings

MAX_URL_LENGTH = 2048
EXCERPT_CHARS = 500
# IPv4 addresses embedded in IPv6 ones that routers translate back (NAT64).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """A target we will not send to; the message says why, for its owner."""


def _allow_private():
    return settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS


def _embedded_ipv4(address):
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), or None."""
    if address.version != 6:
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address):
    """Why `address` (an ipaddress object) is not a target, or None when it may be one."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_refusal(embedded)
    # Never, whatever the setting: cloud metadata services live on link-local addresses.
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return None if _allow_private() else "a loopback address"
    # After loopback: ::1 lies in IPv6's reserved ::/8.
    if address.is_reserved:
        return "a reserved address"
    if _allow_private():
        return None
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII (punycode), lower case, without brackets
    port: int
    path: str  # path and query, as sent on the request line
    host_header: str

    @property
    def literal(self):
        """The host as an address, when the URL names one."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def parse(url):
    """The Target a URL names, or Refused saying what is wrong with it."""
    url = (url or "").strip()
    if not url:
        raise Refused("Enter the address that should receive the webhooks.")
    if len(url) > MAX_URL_LENGTH:
        raise Refused(f"The address is longer than {MAX_URL_LENGTH} characters.")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise Refused("The address contains spaces or control characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise Refused("The address must start with https://.")
    if scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise Refused("Webhooks are sent over https only: the address must start with https://.")
    if parts.username is not None or parts.password is not None:
        raise Refused("The address must not contain a user name or password.")
    if parts.fragment:
        raise Refused("The address must not contain a #fragment (it is never sent).")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused("The address has an invalid port.") from None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("The address has no host name.")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            raise Refused("The host name is not a valid domain name.") from None
    shown = f"[{host}]" if ":" in host else host
    default_port = 443 if scheme == "https" else 80
    host_header = shown if port == default_port else f"{shown}:{port}"
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme, host.lower(), port, path, host_header)


def check_url(url):
    """`url` cleaned, or Refused: the rules that need no DNS lookup (a form calls this;
    the addresses a name resolves to are checked again on every delivery)."""
    target = parse(url)
    literal = target.literal
    if literal is not None:
        reason = address_refusal(literal)
        if reason:
            raise Refused(f"{target.host} is {reason}: webhooks go to public addresses only.")
    elif not _allow_private() and (
        target.host == "localhost" or target.host.endswith(".localhost")
    ):
        raise Refused(f"{target.host} is this machine: webhooks go to public addresses only.")
    return url.strip()


def resolve(target):
    """Every address the target's host resolves to, each checked; Refused if any fails."""
    literal = target.literal
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise Refused(f"{target.host} does not resolve: {error}") from None
        addresses = []
        for *_, sockaddr in infos:
            address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise Refused(f"{target.host} resolves to {address}, {reason}: refused.")
    return addresses


@dataclass
class Answer:
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0

    @property
    def ok(self):
        return self.status_code is not None and 200 <= self.status_code < 300


def _pool(target, address):
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS,
        read=settings.WEBHOOKS_READ_TIMEOUT_SECONDS,
    )
    common = {"port": target.port, "timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        # Connect to the checked address; the certificate and SNI are the host name's.
        return urllib3.HTTPSConnectionPool(
            str(address),
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=target.host,
            assert_hostname=target.host,
            **common,
        )
    return urllib3.HTTPConnectionPool(str(address), **common)


def _read_capped(response, deadline):
    """At most WEBHOOKS_RESPONSE_MAX_BYTES of the body, and no later than `deadline`
    (read1 returns what one socket read brings, so a trickling target cannot hold us)."""
    cap = settings.WEBHOOKS_RESPONSE_MAX_BYTES
    data = b""
    while len(data) < cap and time.monotonic() < deadline:
        chunk = response.read1(cap - len(data), decode_content=False)
        if not chunk:
            break
        data += chunk
    return data


def post(url, body, headers):
    """POST `body` (bytes) to `url`: an Answer, never an exception."""
    started = time.monotonic()
    answer = _post(url, body, headers, started)
    answer.duration_ms = round((time.monotonic() - started) * 1000)
    return answer


def _post(url, body, headers, started):
    try:
        target = parse(url)
        addresses = resolve(target)
    except Refused as refusal:
        return Answer(error=str(refusal))
    headers = {**headers, "Host": target.host_header, "Accept-Encoding": "identity"}
    deadline = started + settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS
    deadline += 2 * settings.WEBHOOKS_READ_TIMEOUT_SECONDS
    error = "no address to connect to"
    for address in addresses:
        pool = _pool(target, address)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as e:
            error = f"could not connect to {address}: {_reason(e)}"
            pool.close()
            continue  # the next checked address, if the name has more
        except urllib3.exceptions.HTTPError as e:
            pool.close()
            return Answer(error=f"{address}: {_reason(e)}")
        try:
            excerpt = _read_capped(response, deadline)
        except urllib3.exceptions.HTTPError as e:
            excerpt = b""
            error = f"answer cut short: {_reason(e)}"
        else:
            error = ""
        finally:
            response.close()
            pool.close()
        text = excerpt.decode("utf-8", "replace")[:EXCERPT_CHARS]
        status = response.status
        if 200 <= status < 300:
            error = ""  # it arrived, whatever became of the rest of the answer
        elif 300 <= status < 400:
            location = response.headers.get("Location", "")[:300]
            error = f"answered {status} (redirect to {location or 'nowhere'}); redirects are not followed"
        elif not 200 <= status < 300:
            error = error or f"answered HTTP {status}"
        return Answer(status_code=status, error=error, excerpt=text)
    return Answer(error=error)


def _reason(error):
    """urllib3's error without its pool and connection repr: "Connection refused"."""
    cause = error
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__ or cause.__context__
    text = str(getattr(error, "reason", None) or error)
    return text.split("): ", 1)[-1][:300]
