"""The development seed (only when SUITE_ENV=dev or test): API.md's dev clients and users."""
from __future__ import annotations

from sqlmodel import Session

from services.gateway.oauth.service import create_client, create_user

DEV_CLIENTS = [
    # client id, secret, roles, name, internal
    ("petition-system", "petition-system-dev-secret", ["petition_system"], "省一体化信访系统 (dev)", False),
    ("mediation-service", "mediation-service-dev-secret", ["service"], "mediation service", True),
    ("lawyers-service", "lawyers-service-dev-secret", ["service"], "lawyers service", True),
]
DEV_USERS = [
    ("coordinator", "coordinator-dev", ["coordinator"], "信访局协调员"),
    ("mediator1", "mediator1-dev", ["mediator"], "调解员一"),
    ("lawyer1", "lawyer1-dev", ["lawyer"], "律师一"),
    ("auditor", "auditor-dev", ["auditor"], "审计员"),
]
# Extra people the test suite signs in as (never seeded by `make run`).
TEST_USERS = [
    ("mediator2", "mediator2-dev", ["mediator"], "调解员二"),
    ("lawyer2", "lawyer2-dev", ["lawyer"], "律师二"),
    ("lawyer3", "lawyer3-dev", ["lawyer"], "律师三"),
]


def seed_dev(session: Session, *, with_test_users: bool = False) -> None:
    for cid, secret, roles, name, internal in DEV_CLIENTS:
        create_client(session, cid, secret, roles, name, internal=internal)
    for username, password, roles, name in DEV_USERS + (TEST_USERS if with_test_users else []):
        create_user(session, username, password, roles, name)


def credentials_banner() -> str:
    lines = ["开发环境种子账号 (dev seed, SUITE_ENV=dev only):",
             "  client  petition-system / petition-system-dev-secret   (client_credentials)"]
    for username, password, roles, _ in DEV_USERS:
        lines.append(f"  user    {username} / {password}   roles={','.join(roles)}"
                     "   (password grant, client_id=console)")
    return "\n".join(lines)
