"""URL safety for webhooks: only http(s), and never private, loopback or link-local targets.

At registration a literal IP host in a refused range is rejected. At delivery the
host is resolved and every address checked; the request then goes to the checked
address (pinned, so a DNS answer cannot change between check and connect).

The allowlist (`webhook_allowed_hosts`, issue 13 item 9) names a host AND a port:
`127.0.0.1:9000`, `[::1]:9000`, `localhost:9000`; an entry without a port allows only the
scheme's default port (80, 443). Hosts are compared in their normal form, so every spelling
of loopback (`127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`, `localhost.`) is the address it
names; a name is resolved and each of its addresses must be allowed with that port (or the name
itself listed with it). The suite's own ports (`own_endpoints`: the gateway's public and internal
ports, the services' and the console's) are never a target on a local address, listed or not.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import anyio

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$")
_LEGACY_V4 = re.compile(r"^[0-9a-fx.]+$")  # 127.1, 0x7f000001, 2130706433 ...


class UnsafeUrl(ValueError):
    """The URL is not one the gateway may call."""


DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class Allowlist(frozenset):
    """Allowed `host:port` entries in normal form (`host` alone: the default ports only)."""

    def permits(self, host: str, port: int) -> bool:
        host = _norm_host(host)
        if f"{_bracket(host)}:{port}" in self:
            return True
        return host in self and port in DEFAULT_PORTS.values()


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _entry(raw: str) -> str:
    raw = raw.strip().lower()
    if raw.startswith("["):  # [v6] or [v6]:port
        host, _, rest = raw[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif raw.count(":") == 1:  # host:port
        host, port = raw.split(":")
    else:  # a name, an IPv4 address or a bare IPv6 address
        host, port = raw, ""
    host = _norm_host(host)
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"webhook allowlist entry {raw!r}: not a port")
        return f"{_bracket(host)}:{int(port)}"
    return host


def allowed_hosts(value: str) -> Allowlist:
    return Allowlist(_entry(h) for h in value.split(",") if h.strip())


def _norm_host(host: str) -> str:
    host = host.strip().lower().strip("[]").rstrip(".")
    ip = literal_ip(host)
    if ip is not None and isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return str(ip) if ip is not None else host


@dataclass(frozen=True)
class OwnEndpoints:
    """The suite's own ports and hosts: never a webhook target on a local address."""

    ports: frozenset[int] = frozenset()
    hosts: frozenset[str] = frozenset()

    def refuses(self, host: str, port: int, addresses: Sequence[IPAddress] = ()) -> bool:
        if port not in self.ports:
            return False
        host = _norm_host(host)
        if host in self.hosts or host in LOOPBACK_NAMES or host.endswith(".localhost"):
            return True
        ip = literal_ip(host)
        for a in ([ip] if ip is not None else []) + list(addresses):
            if a is not None and (refused_reason(a) is not None):
                return True  # loopback, private, unspecified...: this machine or its network
        return False


def own_endpoints(settings) -> OwnEndpoints:
    """The gateway's public and internal ports and the upstream services' (from the gateway's settings)."""
    ports, hosts = set(), set()
    for name in ("port", "internal_port"):
        value = getattr(settings, name, 0)
        if value:
            ports.add(int(value))
    for name in ("mediation_url", "mediation_write_url", "lawyers_url", "console_url", "gateway_url",
                 "gateway_internal_url"):
        url = getattr(settings, name, "") or ""
        try:
            parts = urlsplit(url)
            port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            continue
        if parts.hostname and port:
            ports.add(port)
            hosts.add(_norm_host(parts.hostname))
    return OwnEndpoints(frozenset(ports), frozenset(hosts))


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


def _port(parts: SplitResult) -> int:
    return parts.port or DEFAULT_PORTS[parts.scheme]


def check_registration(url: str, allowed: frozenset[str], own: OwnEndpoints = OwnEndpoints()) -> SplitResult:
    """Refuse at registration a URL whose host is a literal refused address or a loopback name, unless
    that host and port are allowed; and any of the suite's own ports on a local address."""
    parts = parse(url)
    host = _norm_host(parts.hostname or "")
    port = _port(parts)
    if own.refuses(host, port):
        raise UnsafeUrl(f"port {port} on {host} is one of the suite's own services; webhooks may not target it")
    allow = allowed.permits if isinstance(allowed, Allowlist) else (lambda h, p: h in allowed)
    if allow(host, port):
        return parts
    ip = literal_ip(host)
    if ip is not None:
        reason = refused_reason(ip)
        if reason:
            raise UnsafeUrl(f"{ip} is a {reason} address; webhooks may not target it (port {port} not allowed)")
    elif host in LOOPBACK_NAMES or host.endswith(".localhost"):
        raise UnsafeUrl(f"{host} is a loopback name; webhooks may not target it (port {port} not allowed)")
    return parts


@dataclass(frozen=True)
class Target:
    """Where to connect: `addresses` (pinned) or None for an allowed host (connect by name)."""

    host: str
    port: int
    addresses: list[str] | None


async def resolve(url: str, allowed: frozenset[str], own: OwnEndpoints = OwnEndpoints()) -> Target:
    """Resolve the host now and check every address; raises UnsafeUrl (no connection is made)."""
    parts = parse(url)
    host = _norm_host(parts.hostname or "")
    port = _port(parts)
    allow = allowed.permits if isinstance(allowed, Allowlist) else (lambda h, p: h in allowed)
    if own.refuses(host, port):
        raise UnsafeUrl(f"port {port} on {host} is one of the suite's own services; not allowed")
    if allow(host, port) and literal_ip(host) is None:
        return Target(host, port, None)  # an allowed name with its port: connect by name
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
    if own.refuses(host, port, addrs):
        raise UnsafeUrl(f"the host {host} resolves to a local address on port {port}, one of the suite's own "
                        f"services; not allowed")
    for a in addrs:
        reason = refused_reason(a)
        if reason and not allow(str(a), port):
            raise UnsafeUrl(f"the host {host} resolves to {a}, a {reason} address; not allowed on port {port}")
    return Target(host, port, [str(a) for a in addrs])
