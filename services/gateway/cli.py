"""Operator commands for the gateway's accounts (production has no dev seed).

    python -m services.gateway.cli add-client petition-system --roles petition_system
    python -m services.gateway.cli add-client mediation-service --roles service --internal
    python -m services.gateway.cli add-user zhangsan --roles coordinator --name 张三
    python -m services.gateway.cli disable-user zhangsan     # no sign-in; tokens refused within a minute
    python -m services.gateway.cli enable-user zhangsan      # sign-in again (old tokens stay refused)
    python -m services.gateway.cli disable-client petition-system
    python -m services.gateway.cli rotate-handoff-pii-keys  # re-seal parties under the first HANDOFF_PII_KEYS key

The secret or password is read from standard input (never from the command line).
"""
from __future__ import annotations

import argparse
import getpass
import sys

from services.gateway.oauth.service import create_client, create_user
from services.gateway.settings import GatewaySettings
from shared.audit import record
from shared.db import Database


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m services.gateway.cli")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("add-client")
    c.add_argument("client_id")
    c.add_argument("--roles", required=True)
    c.add_argument("--name", default="")
    c.add_argument("--internal", action="store_true", help="a suite service (role service)")
    u = sub.add_parser("add-user")
    u.add_argument("username")
    u.add_argument("--roles", required=True)
    u.add_argument("--name", default="")
    for name in ("disable-user", "enable-user", "disable-client"):
        d = sub.add_parser(name)
        d.add_argument("subject")
        d.add_argument("--reason", default="")
    r = sub.add_parser("rotate-handoff-pii-keys",
                       help="re-seal handoff parties' phones and ID numbers under the first HANDOFF_PII_KEYS key")
    r.add_argument("--batch", type=int, default=500)
    a = p.parse_args(argv)
    if a.cmd in ("disable-user", "enable-user", "disable-client"):
        return _account_state(a)
    if a.cmd == "rotate-handoff-pii-keys":
        return _rotate_handoff_pii(max(1, a.batch))
    secret = sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass("secret: ")
    if len(secret) < 12:
        print("refused: secrets must be at least 12 characters", file=sys.stderr)
        return 2
    db = Database(GatewaySettings().database_url, pool_size=1)
    roles = [r.strip() for r in a.roles.split(",") if r.strip()]
    try:
        with db.session() as s:
            if a.cmd == "add-client":
                create_client(s, a.client_id, secret, roles, a.name, internal=a.internal)
            else:
                create_user(s, a.username, secret, roles, a.name)
    except ValueError as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print("ok")
    return 0


def _audit(session, a) -> None:
    """The change in the gateway's audit trail (same transaction)."""
    kind = "client" if a.cmd.endswith("client") else "user"
    record(session, f"{kind}.{a.cmd.split('-')[0]}", service="gateway", actor="operator (cli)",
           object_type=kind, object_id=a.subject, detail={"reason": a.reason[:200]} if a.reason else {})


def _account_state(a) -> int:
    """disable-user / enable-user / disable-client: the account's `active` flag and the revocation list."""
    from services.gateway.oauth import revocation

    db = Database(GatewaySettings().database_url, pool_size=1)
    try:
        with db.session() as s:
            if a.cmd == "disable-user":
                found = revocation.disable_user(s, a.subject, a.reason or "disabled by an operator")
            elif a.cmd == "enable-user":
                found = revocation.enable_user(s, a.subject)
            else:
                found = revocation.disable_client(s, a.subject, a.reason or "disabled by an operator")
            if found:
                _audit(s, a)
    finally:
        db.dispose()
    if not found:
        print(f"refused: no such account: {a.subject}", file=sys.stderr)
        return 2
    print("ok")
    return 0


def _rotate_handoff_pii(batch: int) -> int:
    """Every stored handoff party sealed under an older key sealed again under the first (handoff/sealing.py);
    prints the rows changed per table and the key ids still in use (the old key may go once only the first
    is left and the events sealed under it are consumed)."""
    from services.gateway.handoff.sealing import rotate

    settings = GatewaySettings()
    db = Database(settings.database_url, pool_size=1)
    try:
        counts, kids = rotate(db, settings.handoff_pii_keys, batch=batch)
        with db.session() as s:
            _audit_rotation(s, counts)
    finally:
        db.dispose()
    print("re-sealed: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    print("handoffs by key: " + (", ".join(f"{k} {n}" for k, n in sorted(kids.items())) or "none"))
    return 0


def _audit_rotation(session, counts: dict[str, int]) -> None:
    record(session, "handoff.pii.rotate", service="gateway", actor="operator (cli)", object_type="handoff",
           object_id="*", detail={"rows": counts})


if __name__ == "__main__":
    sys.exit(main())
