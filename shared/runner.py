"""Run the suite as local processes: migrate, seed, start, stop (used by `make run`, benches, chaos).

    python -m shared.runner run        # make run: SQLite under var/, dev seed, ports 8000-8002
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared import migrate
from shared.settings import REPO_ROOT, VAR_DIR

SERVICES = ("gateway", "mediation", "lawyers")
PREFIX = {"gateway": "GATEWAY_", "mediation": "MEDIATION_", "lawyers": "LAWYERS_"}
DEFAULT_PORTS = {"gateway": 8000, "mediation": 8001, "lawyers": 8002}


@dataclass
class SuiteProcesses:
    """The three services as child processes (uvicorn, uvloop + httptools)."""

    db_urls: dict[str, str]
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    env: dict[str, str] = field(default_factory=dict)
    server: str = "uvicorn"
    log_dir: Path | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> dict[str, str]:
        return {svc: f"http://127.0.0.1:{p}" for svc, p in self.ports.items()}

    def service_env(self, svc: str) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("SUITE_ENV", "dev")
        env.update({
            "GATEWAY_URL": self.url["gateway"],
            "GATEWAY_MEDIATION_URL": self.url["mediation"],
            "GATEWAY_LAWYERS_URL": self.url["lawyers"],
            PREFIX[svc] + "DATABASE_URL": self.db_urls[svc],
            PREFIX[svc] + "PORT": str(self.ports[svc]),
            "PYTHONPATH": str(REPO_ROOT),
        })
        env.update(self.env)
        return env

    def command(self, svc: str) -> list[str]:
        target = f"services.{svc}.main:create_app"
        if self.server == "granian":
            return [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                    "--port", str(self.ports[svc]), "--log-level", "warning", "--no-ws", target]
        workers = int(self.service_env(svc).get(PREFIX[svc] + "WORKERS") or 1)
        return [sys.executable, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1",
                "--port", str(self.ports[svc]), "--loop", "uvloop", "--http", "httptools",
                "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "5",
                *(["--workers", str(workers)] if workers > 1 else [])]

    def start_one(self, svc: str) -> None:
        out = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{svc}.log", "ab")
        self.procs[svc] = subprocess.Popen(self.command(svc), env=self.service_env(svc), cwd=REPO_ROOT,
                                           stdout=out, stderr=subprocess.STDOUT if out else None)

    def wait_ready(self, svc: str, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            proc = self.procs.get(svc)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{svc} exited with code {proc.returncode}")
            try:
                if httpx.get(self.url[svc] + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{svc} did not become healthy on {self.url[svc]}")

    def start(self) -> "SuiteProcesses":
        for svc in SERVICES:
            self.start_one(svc)
        for svc in SERVICES:
            self.wait_ready(svc)
        return self

    def kill(self, svc: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.get(svc)
        if proc and proc.poll() is None:
            proc.send_signal(sig)
            proc.wait(10)

    def restart(self, svc: str) -> None:
        self.kill(svc)
        self.start_one(svc)
        self.wait_ready(svc)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def token(self, who: str) -> str:
        """A token from the running gateway for a dev-seed user or client."""
        return dev_token(self.url["gateway"], who)


def dev_token(gateway_url: str, who: str) -> str:
    """Sign in as a dev-seed (or test) user or machine client through the real token endpoint."""
    from services.gateway.seed import DEV_CLIENTS, DEV_USERS, TEST_USERS

    clients = {c[0]: c[1] for c in DEV_CLIENTS}
    users = {u[0]: u[1] for u in DEV_USERS + TEST_USERS}
    if who in clients:
        r = httpx.post(gateway_url + "/oauth/token", data={"grant_type": "client_credentials"},
                       auth=(who, clients[who]), timeout=10)
    else:
        r = httpx.post(gateway_url + "/oauth/token", timeout=10,
                       data={"grant_type": "password", "client_id": "console", "username": who,
                             "password": users[who]})
    r.raise_for_status()
    return r.json()["access_token"]


def migrate_all(db_urls: dict[str, str]) -> None:
    for svc in SERVICES:
        migrate.upgrade(svc, db_urls[svc])


def seed(db_urls: dict[str, str], *, with_test_users: bool = False) -> None:
    from services.gateway.seed import seed_dev
    from shared.db import Database

    db = Database(db_urls["gateway"], pool_size=1)
    try:
        with db.session() as s:
            seed_dev(s, with_test_users=with_test_users)
    finally:
        db.dispose()


def default_db_urls() -> dict[str, str]:
    """`<PREFIX>DATABASE_URL` from the environment, else SQLite files under var/."""
    return {svc: os.environ.get(PREFIX[svc] + "DATABASE_URL") or f"sqlite:///{VAR_DIR / (svc + '.db')}"
            for svc in SERVICES}


def run() -> int:
    from services.gateway.seed import credentials_banner

    env = os.environ.get("SUITE_ENV", "dev")
    urls = default_db_urls()
    print("迁移数据库 (migrating databases) ...", flush=True)
    migrate_all(urls)
    if env == "dev":
        seed(urls)
    suite = SuiteProcesses(urls, log_dir=None)
    suite.start()
    print()
    print("区信访局 调解与法律顾问排期系统 已启动 (petition suite is running)")
    for svc in SERVICES:
        print(f"  {svc:<10} {suite.url[svc]}")
    print(f"  API        {suite.url['gateway']}/api/v1  (docs: {suite.url['gateway']}/docs)")
    if env == "dev":
        from shared.demo_data import create_demo_data

        try:
            if create_demo_data(suite.url["gateway"], suite.token("coordinator")):
                print("  示例数据已创建: 3 间调解室、3 名调解员、5 名律师 (demo rooms, mediators, lawyers)")
        except httpx.HTTPError as e:
            print(f"  示例数据未创建 (demo data not created): {e}", file=sys.stderr)
        print()
        print(credentials_banner())
    print("\n按 Ctrl-C 停止 (Ctrl-C stops everything).", flush=True)
    stop = {"flag": False}

    def _stop(*_):
        stop["flag"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop["flag"]:
            for svc, proc in suite.procs.items():
                if proc.poll() is not None:
                    print(f"{svc} exited with code {proc.returncode}; stopping", file=sys.stderr)
                    stop["flag"] = True
            time.sleep(0.3)
    finally:
        suite.stop()
        print("已停止 (stopped).")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m shared.runner")
    p.add_argument("command", choices=["run", "migrate", "seed"])
    a = p.parse_args()
    if a.command == "run":
        return run()
    urls = default_db_urls()
    if a.command == "migrate":
        migrate_all(urls)
    else:
        seed(urls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
