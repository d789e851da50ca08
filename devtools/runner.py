"""Run the suite as local processes: migrate, seed, start, stop (used by `make run`, benches, chaos).

    python -m devtools.runner run        # make run: SQLite under var/, dev seed, ports 8000-8003
    python -m devtools.runner migrate    # make migrate (as the migration Job: `python -m shared.migrate`)

`make run` reads its ports from GATEWAY_PORT, MEDIATION_PORT, LAWYERS_PORT, CONSOLE_PORT and
MEDIATION_WRITES_PORT, and the gateway's upstreams from GATEWAY_MEDIATION_URL, GATEWAY_LAWYERS_URL,
GATEWAY_CONSOLE_URL and GATEWAY_MEDIATION_WRITE_URL when they are set (else they follow the ports).
Benches and tests pass their own ports to `SuiteProcesses`.

On SQLite `make run` also starts `mediation-writes`: a second mediation process on the same file that
the gateway sends mediation's writes to (MEDIATION_WRITES_PROCESS=false: none). SQLite takes one writer
at a time; in a process that also serves the reads, the writer holding the lock shares the interpreter
with them and held it four times its own CPU time (docs/benchmarks.md, issue 11 fifth round). The
process serving the reads then runs `nice` 5 (MEDIATION_READS_NICE): on a machine whose cores are full,
the booking holding the lock gets a core first.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.migrate import DATABASE_SERVICES  # migrated, seeded, given a DATABASE_URL
from shared.migrate import database_urls as default_db_urls
from shared.migrate import upgrade_all as migrate_all
from shared.settings import REPO_ROOT
from shared.testing import free_port

PROCESSES = (*DATABASE_SERVICES, "console")  # what `make run` starts; the console has no database
WRITES = "mediation-writes"  # mediation's writes in a process of their own (on SQLite, see above)
SERVICE_OF = {WRITES: "mediation"}  # the service a process runs, where its name differs
PREFIX = {"gateway": "GATEWAY_", "mediation": "MEDIATION_", "lawyers": "LAWYERS_", "console": "CONSOLE_"}
PORT_VAR = {svc: PREFIX[svc] + "PORT" for svc in PROCESSES} | {WRITES: "MEDIATION_WRITES_PORT"}
DEFAULT_PORTS = {"gateway": 8000, "mediation": 8001, "lawyers": 8002, "console": 8003, WRITES: 8004}
APPS = {svc: f"services.{svc}.main:create_app" for svc in PROCESSES}  # uvicorn --factory targets
# The readiness probe: /readyz (database and event transport) where the service has it.
READY_PATH = {"gateway": "/readyz", "mediation": "/readyz", "lawyers": "/readyz", "console": "/healthz"}
for _table in (PREFIX, APPS, READY_PATH):  # mediation-writes is mediation: its settings, app and probe
    _table[WRITES] = _table[SERVICE_OF[WRITES]]
# The gateway's upstreams: a value the user set is kept (`SuiteProcesses.from_env`), else it follows the ports.
UPSTREAM_URL_VARS = {"mediation": "GATEWAY_MEDIATION_URL", "lawyers": "GATEWAY_LAWYERS_URL",
                     "console": "GATEWAY_CONSOLE_URL", WRITES: "GATEWAY_MEDIATION_WRITE_URL"}
DEFAULT_START_TIMEOUT = 120.0  # seconds (SUITE_START_TIMEOUT); a cold start on a busy machine can be slow
SLOW_START_NOTICE = 2.0  # seconds before the wait says what it waits for


def console_available() -> bool:
    """The console service's module exists (it is optional: `make run` starts it only then)."""
    try:
        return importlib.util.find_spec(APPS["console"].split(":", 1)[0]) is not None
    except ImportError:  # a parent package is missing
        return False


def env_ports(environ=None, *, writes: bool = False) -> dict[str, int]:
    """`<PREFIX>PORT` for each process from the environment, else 8000-8003 (`mediation-writes`, when
    asked: MEDIATION_WRITES_PORT, else 8004)."""
    environ = os.environ if environ is None else environ
    ports = {}
    for svc in (*PROCESSES, WRITES) if writes else PROCESSES:
        var = PORT_VAR[svc]
        raw = (environ.get(var) or "").strip()
        try:
            ports[svc] = int(raw) if raw else DEFAULT_PORTS[svc]
        except ValueError:
            raise ValueError(f"{var} is not a port number: {raw!r}") from None
        if not 0 < ports[svc] < 65536:
            raise ValueError(f"{var} is out of range: {ports[svc]}")
    taken: dict[int, str] = {}
    for svc, port in ports.items():
        if port in taken:
            raise ValueError(f"{PORT_VAR[svc]} and {PORT_VAR[taken[port]]} are both {port}")
        taken[port] = svc
    return ports


DEFAULT_READS_NICE = 5


def reads_nice(environ=None) -> int:
    """MEDIATION_READS_NICE, else 5: how much lower than the others the mediation process that serves the reads
    runs when `mediation-writes` takes the writes (`nice`; 0 to 19).

    On a machine whose cores are full, the booking that holds SQLite's write lock waits for a core
    behind the reads; every other booking waits for it. With the reads five steps down, bench/embedded_mix.py
    gave bookings p99 54-79 ms against 186-456 ms, reads p99 314-339 against 301-320 ms, and 5-10 % fewer
    requests answered (docs/benchmarks.md, issue 11 fifth round)."""
    raw = ((os.environ if environ is None else environ).get("MEDIATION_READS_NICE") or "").strip()
    try:
        value = int(raw) if raw else DEFAULT_READS_NICE
    except ValueError:
        raise ValueError(f"MEDIATION_READS_NICE is not a number: {raw!r}") from None
    if not 0 <= value <= 19:
        raise ValueError(f"MEDIATION_READS_NICE must be 0 to 19: {value}")
    return value


def writes_process_wanted(mediation_db_url: str, environ=None) -> bool:
    """`make run` starts `mediation-writes` on SQLite unless MEDIATION_WRITES_PROCESS is false (on
    PostgreSQL only when it is true: there writers do not wait for one another's transactions)."""
    raw = ((os.environ if environ is None else environ).get("MEDIATION_WRITES_PROCESS") or "").strip().lower()
    if raw in ("", "auto"):
        return mediation_db_url.startswith("sqlite")
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"MEDIATION_WRITES_PROCESS is not true, false or auto: {raw!r}")


DEFAULT_INTERNAL_PORT = 8010


def env_internal_port(environ=None) -> int:
    """GATEWAY_INTERNAL_PORT (the gateway's internal listener), else 8010."""
    raw = ((os.environ if environ is None else environ).get("GATEWAY_INTERNAL_PORT") or "").strip()
    try:
        port = int(raw) if raw else DEFAULT_INTERNAL_PORT
    except ValueError:
        raise ValueError(f"GATEWAY_INTERNAL_PORT is not a port number: {raw!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"GATEWAY_INTERNAL_PORT is out of range: {port}")
    return port


def start_timeout(environ=None) -> float:
    """How long `start()` waits for every process to be ready (SUITE_START_TIMEOUT, seconds)."""
    raw = ((os.environ if environ is None else environ).get("SUITE_START_TIMEOUT") or "").strip()
    try:
        value = float(raw) if raw else DEFAULT_START_TIMEOUT
    except ValueError:
        raise ValueError(f"SUITE_START_TIMEOUT is not a number of seconds: {raw!r}") from None
    if value <= 0:
        raise ValueError(f"SUITE_START_TIMEOUT must be positive: {raw!r}")
    return value


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class SuiteProcesses:
    """The services as child processes (uvicorn, uvloop + httptools).

    `ports` names the processes' ports (the console's only matters with `with_console`); `env` is applied
    last to every process's environment. `with_console` also starts the console, when its module exists.
    """

    db_urls: dict[str, str]
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    env: dict[str, str] = field(default_factory=dict)
    server: str = "uvicorn"
    log_dir: Path | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    with_console: bool = False
    # The gateway's internal listener (GATEWAY_INTERNAL_PORT: /internal/..., the hub and the services'
    # token endpoint). None: a free port (benches, chaos); `from_env` reads it, default 8010.
    internal_port: int | None = None
    # Also start `mediation-writes` (mediation's writes in a process of their own; module docstring).
    mediation_writes: bool = False
    # With it, the mediation process (the reads) runs this much lower (`nice`; reads_nice()).
    reads_nice: int = DEFAULT_READS_NICE

    def __post_init__(self) -> None:
        if self.internal_port is None:
            self.internal_port = free_port()
        if self.mediation_writes and WRITES not in self.ports:
            self.ports = {**self.ports, WRITES: free_port()}

    @classmethod
    def from_env(cls, db_urls: dict[str, str], **kw) -> SuiteProcesses:
        """As `make run` starts it: ports from `<PREFIX>PORT`, and the gateway's upstream URLs the
        user set kept as they are (only unset ones are derived from the ports)."""
        user_urls = {var: os.environ[var] for var in UPSTREAM_URL_VARS.values() if os.environ.get(var)}
        kw.setdefault("internal_port", env_internal_port())
        kw.setdefault("mediation_writes", writes_process_wanted(db_urls["mediation"]))
        kw.setdefault("reads_nice", reads_nice())
        return cls(db_urls, ports=env_ports(writes=kw["mediation_writes"]), env={**user_urls, **kw.pop("env", {})},
                   **kw)

    @property
    def internal_url(self) -> str:
        """The gateway's internal listener."""
        return f"http://127.0.0.1:{self.internal_port}"

    @property
    def url(self) -> dict[str, str]:
        return {svc: f"http://127.0.0.1:{p}" for svc, p in self.ports.items()}

    @property
    def processes(self) -> tuple[str, ...]:
        """The processes `start()` runs: the three services, the console when asked and present, and
        `mediation-writes` when asked."""
        with_console = self.with_console and "console" in self.ports and console_available()
        return (*(PROCESSES if with_console else DATABASE_SERVICES), *((WRITES,) if self.mediation_writes else ()))

    def service_env(self, svc: str) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("SUITE_ENV", "dev")
        # glibc gives each thread that allocates an arena of its own (up to 8 per core); with a pool of worker
        # threads that is memory held and never returned. Two arenas: gateway 190 -> 127 MB, mediation
        # 195 -> 175 MB at the peak of bench/embedded_mix.py (docs/benchmarks.md). The image sets the same.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        url = self.url
        env.update({
            "GATEWAY_URL": url["gateway"],
            "GATEWAY_INTERNAL_URL": self.internal_url,  # the services' relays and token provider
            "GATEWAY_INTERNAL_PORT": str(self.internal_port),
            PREFIX[svc] + "PORT": str(self.ports[svc]),
            "PYTHONPATH": str(REPO_ROOT),
        })
        for upstream, var in UPSTREAM_URL_VARS.items():
            if upstream in url:
                env[var] = url[upstream]
        if svc == "gateway" and int(env.get("GATEWAY_WORKERS") or self.env.get("GATEWAY_WORKERS") or 1) > 1:
            env["GATEWAY_INTERNAL_REUSE_PORT"] = "true"  # every worker serves the internal listener too
        if svc == "console":
            env["CONSOLE_GATEWAY_URL"] = url["gateway"]
        if svc == "gateway" and "console" in self.processes:
            # the console signs people in on their behalf and passes their address on (X-Forwarded-For);
            # on loopback the gateway believes it from the console only (an operator's setting wins)
            env.setdefault("GATEWAY_TRUSTED_PROXIES", "127.0.0.1")
        service = SERVICE_OF.get(svc, svc)
        if service in DATABASE_SERVICES:
            env[PREFIX[svc] + "DATABASE_URL"] = self.db_urls[service]
        else:
            env.pop(PREFIX[svc] + "DATABASE_URL", None)  # the console has no database
        env.update(self.env)
        return env

    def command(self, svc: str) -> list[str]:
        target = APPS[svc]
        if self.server == "granian":
            return [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                    "--port", str(self.ports[svc]), "--log-level", "warning", "--no-ws", target]
        # One writer process: SQLite takes one writer at a time whatever the workers (MEDIATION_WORKERS is the reads')
        workers = 1 if svc == WRITES else int(self.service_env(svc).get(PREFIX[svc] + "WORKERS") or 1)
        return [sys.executable, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1",
                "--port", str(self.ports[svc]), "--loop", "uvloop", "--http", "httptools",
                "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "5",
                "--no-proxy-headers",  # the gateway reads X-Forwarded-For itself, from trusted proxies only
                *(["--workers", str(workers)] if workers > 1 else [])]

    def start_one(self, svc: str) -> None:
        out = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{svc}.log", "ab")  # noqa: SIM115 - the child writes to it while it runs
        nice = self.reads_nice if svc == "mediation" and self.mediation_writes else 0
        self.procs[svc] = subprocess.Popen(self.command(svc), env=self.service_env(svc), cwd=REPO_ROOT,
                                           stdout=out, stderr=subprocess.STDOUT if out else None,
                                           preexec_fn=(lambda: os.nice(nice)) if nice else None)

    def wait_ready(self, svc: str, timeout: float | None = None) -> None:
        """Poll the process's readiness path until it answers 200; say what it waits for when slow."""
        timeout = start_timeout() if timeout is None else timeout
        probe = self.url[svc] + READY_PATH.get(svc, "/healthz")
        started = time.monotonic()
        deadline = started + timeout
        noticed = False
        last = "no answer"
        while True:
            proc = self.procs.get(svc)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(self._failure(svc, f"{svc} exited with code {proc.returncode} while starting"))
            try:
                r = httpx.get(probe, timeout=2)
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text[:300]}"
            except httpx.HTTPError as e:
                last = f"{type(e).__name__} {e}".strip()
            now = time.monotonic()
            if now >= deadline:
                raise RuntimeError(self._failure(
                    svc, f"{svc} not ready after {timeout:.0f} s: {probe} (last answer: {last}); "
                         f"SUITE_START_TIMEOUT sets the wait"))
            if not noticed and now - started >= SLOW_START_NOTICE:
                print(f"等待 {svc} 就绪 (waiting for {svc} {READY_PATH.get(svc, '/healthz')} on {self.url[svc]}, "
                      f"up to {timeout:.0f} s) ...", file=sys.stderr, flush=True)
                noticed = True
            time.sleep(0.1)

    def _failure(self, svc: str, message: str) -> str:
        """The message, plus the tail of the process's log when its output goes to one."""
        if self.log_dir:
            log = self.log_dir / f"{svc}.log"
            tail = log_tail(log)
            if tail:
                return f"{message}\n--- last lines of {log} ---\n{tail}"
        return message

    def start(self) -> SuiteProcesses:
        """Start every process, then wait until each is ready (SUITE_START_TIMEOUT bounds the whole wait)."""
        timeout = start_timeout()
        deadline = time.monotonic() + timeout
        for svc in self.processes:
            self.start_one(svc)
        for svc in self.processes:  # the gateway first: the services' readiness needs it (hub transport)
            self.wait_ready(svc, max(1.0, deadline - time.monotonic()))
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
        return dev_token(self.url["gateway"], who, self.internal_url)


def dev_token(gateway_url: str, who: str, internal_url: str | None = None) -> str:
    """Sign in as a dev-seed (or test) user or machine client through the real token endpoint (a service
    client at the internal listener's `internal_url`: the public endpoint never issues service tokens)."""
    from services.gateway.seed import DEV_CLIENTS, DEV_USERS, TEST_USERS

    clients = {c[0]: c[1] for c in DEV_CLIENTS}
    service_clients = {c[0] for c in DEV_CLIENTS if "service" in c[2]}
    users = {u[0]: u[1] for u in DEV_USERS + TEST_USERS}
    if who in clients:
        endpoint = (internal_url.rstrip("/") + "/internal/oauth/token" if who in service_clients and internal_url
                    else gateway_url + "/oauth/token")
        r = httpx.post(endpoint, data={"grant_type": "client_credentials"},
                       auth=(who, clients[who]), timeout=10)
    else:
        r = httpx.post(gateway_url + "/oauth/token", timeout=10,
                       data={"grant_type": "password", "client_id": "console", "username": who,
                             "password": users[who]})
    r.raise_for_status()
    return r.json()["access_token"]


def seed(db_urls: dict[str, str], *, with_test_users: bool = False) -> None:
    from services.gateway.seed import seed_dev
    from shared.db import Database

    db = Database(db_urls["gateway"], pool_size=1)
    try:
        with db.session() as s:
            seed_dev(s, with_test_users=with_test_users)
    finally:
        db.dispose()


def run() -> int:
    from services.gateway.seed import credentials_banner

    env = os.environ.get("SUITE_ENV", "dev")
    try:
        suite = SuiteProcesses.from_env(default_db_urls(), log_dir=None, with_console=True)
        start_timeout()  # a malformed SUITE_START_TIMEOUT fails here, before anything starts
    except ValueError as e:
        print(f"配置错误 (configuration error): {e}", file=sys.stderr)
        return 2
    print("迁移数据库 (migrating databases) ...", flush=True)
    migrate_all(suite.db_urls)
    if env == "dev":
        seed(suite.db_urls)

    def _interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)  # Ctrl-C or a TERM while starting stops what has started
    try:
        suite.start()
    except (RuntimeError, KeyboardInterrupt) as e:
        suite.stop()
        if isinstance(e, RuntimeError):
            print(f"启动失败 (start failed): {e}", file=sys.stderr)
            return 1
        print("已停止 (stopped).")
        return 130
    gateway = suite.url["gateway"]
    print()
    print("区信访局 调解与法律顾问排期系统 已启动 (petition suite is running)")
    for svc in suite.processes:
        print(f"  {svc:<16} {suite.url[svc]}" + ("  (mediation's writes; MEDIATION_WRITES_PROCESS=false: none)"
                                                 if svc == WRITES else ""))
    print(f"  {'internal':<16} {suite.internal_url}  (the gateway's /internal/...: the services only)")
    print(f"  {'API':<16} {gateway}/api/v1  (docs: {gateway}/docs)")
    if "console" in suite.procs:
        print(f"  工作台 (console)  {gateway}/console/")
    else:
        print(f"  工作台未启动 (console not started: {APPS['console'].split(':')[0]} not found)")
    for var in UPSTREAM_URL_VARS.values():
        if var in suite.env:
            print(f"  {var}={suite.env[var]} (set by you)")
    if env == "dev":
        from devtools.demo_data import create_demo_data

        try:
            if create_demo_data(gateway, suite.token("coordinator")):
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
    p = argparse.ArgumentParser(prog="python -m devtools.runner")
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
