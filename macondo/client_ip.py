"""The visitor's IP address: the one helper that knows how many proxies to trust.

Each reverse proxy appends the address it received the request from to X-Forwarded-For,
so with N trusted proxies in front of the app the N right-most entries were written by
them, and the N-th from the right is the address the outermost trusted proxy saw: the
visitor. Everything left of it was sent by the client and may be forged. With N = 0 the
header is ignored entirely: a client talking to us directly cannot change its address.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=4096)
def _parse(value):
    """An address from one header entry or REMOTE_ADDR, or None for anything else."""
    value = value.strip().strip('"')
    if not value or len(value) > 100:
        return None
    if value.startswith("["):  # "[2001:db8::1]:443"
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    value = value.split("%", 1)[0]  # link-local zone ids ("fe80::1%eth0") are not stored
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def anonymize(address):
    """Zero the last IPv4 octet or the last 80 IPv6 bits (what privacy rules ask for)."""
    prefix = 24 if address.version == 4 else 48
    return ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address


def client_ip(meta, trusted_proxies=None, anonymize_ip=None):
    """The visitor's address from a WSGI environ / request.META, as text, or None."""
    trusted_proxies = settings.TRUSTED_PROXY_COUNT if trusted_proxies is None else trusted_proxies
    anonymize_ip = settings.ANONYMIZE_IP if anonymize_ip is None else anonymize_ip
    address = None
    if trusted_proxies > 0:
        entries = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
        entries = [entry for entry in entries if entry.strip()]
        if entries:
            # Fewer entries than proxies: the request passed fewer proxies, all of them
            # trusted, so the left-most entry is still one a trusted proxy wrote.
            chosen = entries[-trusted_proxies] if len(entries) >= trusted_proxies else entries[0]
            # Garbage where a trusted proxy should have written an address: keep the
            # socket address rather than guess.
            address = _parse(chosen[:100])
    if address is None:
        address = _parse((meta.get("REMOTE_ADDR") or "")[:100])
    if address is None:
        return None
    if anonymize_ip:
        address = anonymize(address)
    return str(address)
