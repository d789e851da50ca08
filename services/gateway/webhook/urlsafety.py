"""URL safety for webhooks: only http(s), and never private, loopback or link-local targets.

At registration a literal IP host in a refused range is rejected. At delivery the
host is resolved and every address checked; the request then goes to the checked
address (pinned, so a DNS answer cannot change between check and connect).
Hosts listed in `webhook_allowed_hosts` skip the address check.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import anyio

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$")
_LEGACY_V4 = re.compile(r"^[0-9a-fx.]+$")  # 127.1, 0x7f000001, 2130706433 ...


class UnsafeUrl(ValueError):
    """The URL is not one the gateway may call."""


def allowed_hosts(value: str) -> frozenset[str]:
    return frozenset(_norm_host(h) for h in value.split(",") if h.strip())


def _norm_host(host: str) -> str:
    host = host.strip().lower().strip("[]").rstrip(".")
    ip = literal_ip(host)
    return str(ip) if ip is not None else host


def parse(url: str) -> SplitResult:
    """Split and check the form of a webhook URL; raises UnsafeUrl."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:
        raise UnsafeUrl(f"the URL is malformed: {e}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("only http and https URLs are accepted")
    if not parts.hostname:
        raise UnsafeUrl("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("credentials in the URL are not accepted")
    if parts.fragment:
        raise UnsafeUrl("a fragment (#...) is not accepted")
    if port == 0:
        raise UnsafeUrl("port 0 is not accepted")
    host = parts.hostname
    if literal_ip(host) is None:
        try:
            ascii_host = host.rstrip(".").encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeUrl(f"the host {host!r} is not a valid name") from None
        if not _HOSTNAME.match(ascii_host):
            raise UnsafeUrl(f"the host {host!r} is not a valid name")
    if any(ch.isspace() or ord(ch) < 32 for ch in url.strip()):
        raise UnsafeUrl("the URL contains spaces or control characters")
    return parts


def literal_ip(host: str) -> IPAddress | None:
    """The address a host names literally (including legacy IPv4 forms like `127.1`), else None."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _LEGACY_V4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def refused_reason(ip: IPAddress) -> str | None:
    """Why an address may not be called (private, loopback, ...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is that IPv4 address
            return refused_reason(ip.ipv4_mapped)
        embedded = (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None) or ip.sixtofour
        if embedded is not None:
            inner = refused_reason(embedded)
            if inner:
                return inner
    for flag in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{flag}"):
            return flag.replace("_", "-")
    if not ip.is_global:
        return "non-global"
    return None


def check_registration(url: str, allowed: frozenset[str]) -> SplitResult:
    """Refuse at registration a URL whose host is a literal refused address (unless allowed)."""
    parts = parse(url)
    host = _norm_host(parts.hostname or "")
    ip = literal_ip(host)
    if ip is not None and host not in allowed:
        reason = refused_reason(ip)
        if reason:
            raise UnsafeUrl(f"{ip} is a {reason} address; webhooks may not target it")
    return parts


@dataclass(frozen=True)
class Target:
    """Where to connect: `addresses` (pinned) or None for an allowed host (connect by name)."""

    host: str
    port: int
    addresses: list[str] | None


async def resolve(url: str, allowed: frozenset[str]) -> Target:
    """Resolve the host now and check every address; raises UnsafeUrl (no connection is made)."""
    parts = parse(url)
    host = _norm_host(parts.hostname or "")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if host in allowed:
        return Target(host, port, None)
    ip = literal_ip(host)
    if ip is not None:
        addrs = [ip]
    else:
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise UnsafeUrl(f"the host {host} could not be resolved: {e}") from None
        addrs = []
        for info in infos:
            a = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if a not in addrs:
                addrs.append(a)
        if not addrs:
            raise UnsafeUrl(f"the host {host} has no address")
    for a in addrs:
        reason = refused_reason(a)
        if reason:
            raise UnsafeUrl(f"the host {host} resolves to {a}, a {reason} address; not allowed")
    return Target(host, port, [str(a) for a in addrs])
