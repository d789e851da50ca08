"""Operator commands for the gateway's accounts (production has no dev seed).

    python -m services.gateway.cli add-client petition-system --roles petition_system
    python -m services.gateway.cli add-client mediation-service --roles service --internal
    python -m services.gateway.cli add-user zhangsan --roles coordinator --name 张三

The secret or password is read from standard input (never from the command line).
"""
from __future__ import annotations

import argparse
import getpass
import sys

from services.gateway.oauth.service import create_client, create_user
from services.gateway.settings import GatewaySettings
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
    a = p.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
