"""Bench helpers: a real suite in child processes on fresh databases, and latency figures."""
from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from devtools.runner import SuiteProcesses, migrate_all, seed
from shared.testing import drop_postgres_databases, free_port, postgres_databases, sqlite_databases

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def running_suite(backend: str = "postgresql", db_prefix: str = "bench", env: dict | None = None,
                  server: str = "uvicorn", mediation_writes: bool = False):
    """Fresh databases, migrated and seeded (dev + test users), the three services started (and
    `mediation-writes`, mediation's writes in a process of their own, when asked: devtools/runner.py)."""
    tmp = None
    db_prefix = f"{db_prefix}_{uuid.uuid4().hex[:6]}"  # concurrent runs never share databases
    if backend == "postgresql":
        urls = postgres_databases(PG_URL, db_prefix)
    else:
        tmp = tempfile.TemporaryDirectory()
        urls = sqlite_databases(Path(tmp.name))
    migrate_all(urls)
    seed(urls, with_test_users=True)
    ports = {svc: free_port() for svc in urls}
    suite = SuiteProcesses(urls, ports=ports, env={"SUITE_ENV": "dev", **(env or {})}, server=server,
                           log_dir=Path(tempfile.gettempdir()) / f"{db_prefix}-logs", mediation_writes=mediation_writes)
    suite.db_urls = urls
    try:
        suite.start()
        yield suite
    finally:
        suite.stop()
        if backend == "postgresql":
            drop_postgres_databases(PG_URL, db_prefix)
        if tmp:
            tmp.cleanup()


@contextlib.contextmanager
def extra_mediation(suite, port: int, env: dict[str, str]):
    """One more mediation process of the running suite, on `port` with `env` added, on the same database;
    yields its URL and pid once it is ready."""
    env = {**suite.service_env("mediation"), "MEDIATION_PORT": str(port), **env}
    command = [str(port) if arg == str(suite.ports["mediation"]) else arg for arg in suite.command("mediation")]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def summary(latencies_s: list[float]) -> str:
    ms = [v * 1000 for v in latencies_s]
    return (f"p50 {percentile(ms, 50):.2f} ms, p95 {percentile(ms, 95):.2f} ms, p99 {percentile(ms, 99):.2f} ms, "
            f"mean {statistics.fmean(ms):.2f} ms" if ms else "no samples")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    cpu = ""
    with contextlib.suppress(Exception), open("/proc/cpuinfo") as info:
        cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    mem = ""
    with contextlib.suppress(Exception):
        mem = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.split("\n")[1].split()[1] + " GiB"
    return f"{platform.node()}: {os.cpu_count()} cores {cpu}, {mem}, Python {platform.python_version()}"
