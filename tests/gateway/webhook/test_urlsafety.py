"""URL safety and signing rules, checked without any network traffic."""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import pytest
from standardwebhooks import Webhook

from services.gateway.settings import GatewaySettings
from services.gateway.webhook.jobs import parse_retry_after
from services.gateway.webhook.service import next_delay, type_matches
from services.gateway.webhook.signing import new_secret, sign, signature_header
from services.gateway.webhook.urlsafety import (
    UnsafeUrl,
    allowed_hosts,
    check_registration,
    literal_ip,
    refused_reason,
    resolve,
)

ALLOWED = allowed_hosts("127.0.0.1:9000,localhost:9000")


@pytest.mark.parametrize("host", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.2", "0.0.0.0", "169.254.169.254", "100.64.0.1",
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
    "::ffff:10.0.0.1", "::ffff:127.0.0.1", "64:ff9b::a00:1", "2002:c0a8:101::1", "127.1", "0x7f000001",
    "2130706433", "0177.0.0.1",
])
def test_refused_addresses(host):
    ip = literal_ip(host)
    assert ip is not None and refused_reason(ip), host


@pytest.mark.parametrize("host", ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_pass(host):
    assert refused_reason(literal_ip(host)) is None


@pytest.mark.parametrize("url", [
    "ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "http://", "http://user:pw@example.com/",
    "http://10.0.0.1/hook", "http://192.168.1.1:8080/", "http://[::1]/", "http://[::ffff:192.168.1.1]/",
    "https://169.254.169.254/latest/meta-data", "http://127.0.0.2/", "http://127.2:9000/", "http://example.com:99999/",
    "http://exa mple.com/", "http://bad_host-.example/", "http://example.com/a b", "http://a..b/",
])
def test_registration_refuses(url):
    with pytest.raises(UnsafeUrl):
        check_registration(url, ALLOWED)


@pytest.mark.parametrize("url", ["https://petition.example.gov.cn/hooks", "http://127.0.0.1:9000/x",
                                 "http://localhost:9000/x", "http://LOCALHOST.:9000/x", "https://8.8.8.8/x",
                                 "https://信访.中国/回调?x=1"])
def test_registration_accepts(url):
    check_registration(url, ALLOWED)


def test_resolution_refuses_loopback_name_without_allowance():
    # `localhost` resolves to 127.0.0.1: refused unless listed. No connection is attempted here.
    with pytest.raises(UnsafeUrl, match=r"127\.0\.0\.1"):
        anyio.run(resolve, "http://localhost:9000/hook", allowed_hosts("127.0.0.1:9001"))
    target = anyio.run(resolve, "http://localhost:9000/hook", ALLOWED)
    assert target.addresses is None  # allowed: connect by name


def test_literal_public_ip_is_pinned_without_dns():
    target = anyio.run(resolve, "https://8.8.8.8/x", ALLOWED)
    assert target.addresses == ["8.8.8.8"] and target.port == 443


def test_signature_matches_standard_webhooks_library():
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = '{"id":"e1","type":"handoff.accepted","data":{"说明":"已受理"}}'
    ts = int(datetime.now(UTC).timestamp())
    header = sign(secret, "e1", ts, body)
    lib = Webhook(secret).sign("e1", datetime.fromtimestamp(ts, UTC), body)
    assert header == lib
    # Independent check: HMAC-SHA256 over "{id}.{timestamp}.{body}" with the decoded key.
    mac = hmac.new(base64.b64decode(secret[6:]), f"e1.{ts}.{body}".encode(), hashlib.sha256).digest()
    assert header == "v1," + base64.b64encode(mac).decode()
    two = signature_header([secret, new_secret()], "e1", ts, body)
    assert two.split(" ")[0] == header and len(two.split(" ")) == 2


def test_event_type_patterns():
    assert type_matches(["*"], "lawyers.opinion.filed")
    assert type_matches(["handoff.*"], "handoff.accepted")
    assert type_matches(["mediation.session.*"], "mediation.session.concluded")
    assert not type_matches(["handoff.*"], "handoffs.accepted")
    assert not type_matches(["mediation.session.scheduled"], "mediation.session.cancelled")


def test_retry_after_forms():
    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after(format_datetime(now + timedelta(hours=2), usegmt=True), now) == 7200
    assert parse_retry_after(format_datetime(now - timedelta(hours=2), usegmt=True), now) == 0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


def test_schedule_covers_a_day_with_bounded_jitter():
    s = GatewaySettings(database_url="sqlite://")
    delays = s.webhook_retry_delays()
    assert delays == [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    for n in range(1, 10):
        d = next_delay(s, n, None)
        assert delays[n] * 0.9 <= d <= delays[n] * 1.1
    assert sum(d * 0.9 for d in delays) >= 24 * 3600  # retries span at least 24 h even with jitter
    assert next_delay(s, 1, 3600) >= 3600  # Retry-After beats a shorter step
    assert next_delay(s, 1, 10 * 86400) <= s.webhook_retry_after_max_seconds


def test_dev_settings_allow_loopback_and_prod_does_not():
    assert allowed_hosts(GatewaySettings(database_url="sqlite://").webhook_allowed_hosts) == ALLOWED
    assert {"127.0.0.1:9000", "localhost:9000"} == ALLOWED
    assert GatewaySettings(database_url="sqlite://", suite_env="prod").webhook_allowed_hosts == ""


def test_requests_are_pinned_to_the_checked_address():
    from services.gateway.webhook.jobs import Outgoing, _requests
    from services.gateway.webhook.urlsafety import Target

    out = Outgoing("d1", "https://petition.example.cn:8443/hook?x=1", "e1", "{}", [])
    [(url, headers, ext)] = _requests(out, Target("petition.example.cn", 8443, ["203.0.113.5"]))
    assert str(url) == "https://203.0.113.5:8443/hook?x=1"
    assert headers == {"Host": "petition.example.cn:8443"} and ext == {"sni_hostname": "petition.example.cn"}
    v6 = _requests(Outgoing("d1", "http://petition.example.cn/h", "e1", "{}", []),
                   Target("petition.example.cn", 80, ["2001:db8::5", "203.0.113.5"]))
    assert [str(u) for u, _, _ in v6] == ["http://[2001:db8::5]/h", "http://203.0.113.5/h"]
    assert all(h == {"Host": "petition.example.cn"} and e == {} for _, h, e in v6)
    # An allowed host is called by its name, unpinned.
    [(url, headers, ext)] = _requests(Outgoing("d1", "http://localhost:9/h", "e1", "{}", []),
                                      Target("localhost", 9, None))
    assert str(url) == "http://localhost:9/h" and headers == {} and ext == {}


# -- issue 13 item 9: the allowlist names a host AND a port; every loopback spelling; never the suite ------
LOOPBACK_SPELLINGS = ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "0177.0.0.1", "0x7f.1", "127.000.000.001",
                      "[::ffff:127.0.0.1]", "localhost", "LOCALHOST.", "localhost."]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_an_allowed_loopback_port_does_not_open_the_others(host):
    allowed = allowed_hosts("127.0.0.1:9000,localhost:9000")
    check_registration(f"http://{host}:9000/hook", allowed)  # the listed port, in any spelling
    for port in (8000, 8001, 8010, 80, 9001):
        with pytest.raises(UnsafeUrl):
            check_registration(f"http://{host}:{port}/hook", allowed)
        with pytest.raises(UnsafeUrl):
            anyio.run(resolve, f"http://{host}:{port}/hook", allowed)


def test_ipv6_loopback_is_listed_on_its_own():
    allowed = allowed_hosts("127.0.0.1:9000")
    with pytest.raises(UnsafeUrl):
        check_registration("http://[::1]:9000/hook", allowed)
    check_registration("http://[::1]:9000/hook", allowed_hosts("[::1]:9000"))
    with pytest.raises(UnsafeUrl):
        check_registration("http://[::1]:9001/hook", allowed_hosts("[::1]:9000"))


def test_allowlist_entries_are_normalised():
    assert allowed_hosts("127.1:9000, LOCALHOST.:9000, [::1]:9000, 0x7f000001, example.org") == {
        "127.0.0.1:9000", "localhost:9000", "[::1]:9000", "127.0.0.1", "example.org"}
    with pytest.raises(ValueError):
        allowed_hosts("127.0.0.1:99999")


def test_a_host_without_port_allows_only_the_default_ports():
    allowed = allowed_hosts("10.0.0.5")
    check_registration("http://10.0.0.5/hook", allowed)
    check_registration("https://10.0.0.5/hook", allowed)
    with pytest.raises(UnsafeUrl):
        check_registration("http://10.0.0.5:8000/hook", allowed)


def test_never_the_suites_own_ports_even_when_listed():
    from services.gateway.webhook.urlsafety import own_endpoints

    s = GatewaySettings(database_url="sqlite://", port=8000, internal_port=8010,
                        mediation_url="http://127.0.0.1:8001", lawyers_url="http://127.0.0.1:8002",
                        console_url="http://127.0.0.1:8003")
    own = own_endpoints(s)
    assert {8000, 8001, 8002, 8003, 8010} <= own.ports
    allowed = allowed_hosts("127.0.0.1:8001,localhost:8010,127.0.0.1:8000,10.0.0.1:8002")
    for url in ("http://127.0.0.1:8001/internal/events", "http://127.1:8001/x", "http://localhost:8010/x",
                "http://2130706433:8000/x", "http://10.0.0.1:8002/x", "http://[::1]:8003/x"):
        with pytest.raises(UnsafeUrl, match="suite's own"):
            check_registration(url, allowed, own)
        with pytest.raises(UnsafeUrl):
            anyio.run(resolve, url, allowed, own)
    # a public host on one of those port numbers is someone else's service
    check_registration("https://8.8.8.8:8000/x", allowed, own)


def test_the_running_gateway_refuses_its_own_ports(suite):
    c = suite.client("coordinator")
    for svc in ("gateway", "mediation", "lawyers", "console"):
        port = suite.url[svc].rsplit(":", 1)[1]
        for host in ("127.0.0.1", "127.1", "0x7f000001", "localhost"):
            r = c.post("/api/v1/webhooks", json={"url": f"http://{host}:{port}/internal/events", "event_types": ["*"]})
            assert r.status_code == 422, (svc, host, r.text)
    port = suite.internal_url.rsplit(":", 1)[1]
    r = c.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/internal/events", "event_types": ["*"]})
    assert r.status_code == 422, r.text
    r = c.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["*"]})
    assert r.status_code == 201, r.text  # the port the test suite allows
