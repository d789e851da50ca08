"""The caller's address (客户端地址) as the gateway trusts it.

`X-Forwarded-For` (and `X-Real-IP`) are believed only when the connection comes from a configured proxy
(GATEWAY_TRUSTED_PROXIES: comma-separated CIDRs or addresses; default none). Then the chain is read from
the right, skipping trusted proxies: the first address not trusted is the client. Otherwise the peer
address of the connection is the client, whatever the headers say (a rotating `X-Forwarded-For` does
not escape the per-address limits).

The ASGI server must not rewrite the peer itself: `devtools.runner` and the image start uvicorn with
`--no-proxy-headers`, and the test servers run without proxy headers too.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def parse_trusted(spec: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 192.168.1.5` -> networks; a malformed entry raises ValueError (fail at start)."""
    nets = []
    for part in (spec or "").split(","):
        part = part.strip()
        if part:
            try:
                nets.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"GATEWAY_TRUSTED_PROXIES: not an address or CIDR: {part!r}") from None
    return tuple(nets)


def _ip(value: str):
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(addr, nets: tuple[Network, ...]) -> bool:
    if addr is None:
        return False
    if getattr(addr, "ipv4_mapped", None):
        addr = addr.ipv4_mapped
    return any(addr in n for n in nets)


def _header_values(scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers") or () if k == name]


def client_ip(scope, trusted: tuple[Network, ...]) -> str:
    """The client's address for limits and the audit trail."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not trusted or not _trusted(_ip(peer), trusted):
        return peer
    chain: list[str] = []
    for value in _header_values(scope, b"x-forwarded-for"):
        chain.extend(p.strip() for p in value.split(",") if p.strip())
    for hop in reversed(chain):
        addr = _ip(hop)
        if addr is None:
            return peer  # garbage in the chain: believe only what we saw
        if not _trusted(addr, trusted):
            return str(addr)
    real = _header_values(scope, b"x-real-ip")
    if not chain and real:
        addr = _ip(real[-1])
        if addr is not None:
            return str(addr)
    return str(_ip(chain[0])) if chain else peer
