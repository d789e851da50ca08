"""`make run`'s process wiring (devtools/runner.py): ports and upstream URLs from the environment, the console
as a fourth process without a database, and the readiness wait."""
from __future__ import annotations

import os
import sys
import textwrap

import pytest

from devtools import runner
from devtools.runner import SuiteProcesses
from shared.testing import free_port

DB = {"gateway": "sqlite:///g.db", "mediation": "sqlite:///m.db", "lawyers": "sqlite:///l.db"}
URL_VARS = ("GATEWAY_MEDIATION_URL", "GATEWAY_LAWYERS_URL", "GATEWAY_CONSOLE_URL", "CONSOLE_GATEWAY_URL",
            "GATEWAY_URL", "GATEWAY_PORT", "MEDIATION_PORT", "LAWYERS_PORT", "CONSOLE_PORT",
            "CONSOLE_DATABASE_URL", "SUITE_START_TIMEOUT", "MEDIATION_WRITES_PORT", "MEDIATION_WRITES_PROCESS",
            "GATEWAY_MEDIATION_WRITE_URL", "MEDIATION_WORKERS", "MEDIATION_READS_NICE")
PG = {svc: f"postgresql+psycopg://postgres@127.0.0.1:5432/{svc}" for svc in DB}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in URL_VARS:
        monkeypatch.delenv(var, raising=False)


def test_ports_from_the_environment_and_urls_derived_from_them(monkeypatch):
    for var, port in {"GATEWAY_PORT": "8100", "MEDIATION_PORT": "8101", "LAWYERS_PORT": "8102",
                      "CONSOLE_PORT": "8103"}.items():
        monkeypatch.setenv(var, port)
    s = SuiteProcesses.from_env(DB, with_console=True)
    assert s.ports == {"gateway": 8100, "mediation": 8101, "lawyers": 8102, "console": 8103,
                       "mediation-writes": 8004}
    gw = s.service_env("gateway")
    assert gw["GATEWAY_PORT"] == "8100" and gw["GATEWAY_DATABASE_URL"] == DB["gateway"]
    assert gw["GATEWAY_URL"] == "http://127.0.0.1:8100"
    assert gw["GATEWAY_MEDIATION_URL"] == "http://127.0.0.1:8101"
    assert gw["GATEWAY_LAWYERS_URL"] == "http://127.0.0.1:8102"
    assert gw["GATEWAY_CONSOLE_URL"] == "http://127.0.0.1:8103"
    med = s.service_env("mediation")
    assert med["MEDIATION_PORT"] == "8101" and med["MEDIATION_DATABASE_URL"] == DB["mediation"]
    assert med["GATEWAY_URL"] == "http://127.0.0.1:8100"
    assert "--port" in s.command("lawyers") and "8102" in s.command("lawyers")


def test_defaults_are_8000_to_8004():
    s = SuiteProcesses.from_env(DB)
    assert s.ports == {"gateway": 8000, "mediation": 8001, "lawyers": 8002, "console": 8003,
                       "mediation-writes": 8004}
    assert s.service_env("gateway")["GATEWAY_CONSOLE_URL"] == "http://127.0.0.1:8003"


def test_upstream_urls_the_user_set_are_kept(monkeypatch):
    monkeypatch.setenv("GATEWAY_PORT", "8100")
    monkeypatch.setenv("MEDIATION_PORT", "8101")
    monkeypatch.setenv("GATEWAY_MEDIATION_URL", "http://10.0.0.5:9001")
    monkeypatch.setenv("GATEWAY_CONSOLE_URL", "http://console.internal:9003")
    gw = SuiteProcesses.from_env(DB, with_console=True).service_env("gateway")
    assert gw["GATEWAY_MEDIATION_URL"] == "http://10.0.0.5:9001"
    assert gw["GATEWAY_CONSOLE_URL"] == "http://console.internal:9003"
    assert gw["GATEWAY_LAWYERS_URL"] == "http://127.0.0.1:8002"  # unset: follows the port


def test_explicit_ports_win_over_the_users_urls(monkeypatch):
    """Benches and the chaos script pass their own ports: their gateway must reach their own services."""
    monkeypatch.setenv("GATEWAY_MEDIATION_URL", "http://10.0.0.5:9001")
    monkeypatch.setenv("MEDIATION_PORT", "9999")
    ports = {"gateway": 18000, "mediation": 18001, "lawyers": 18002}
    s = SuiteProcesses(DB, ports=ports, env={"SUITE_ENV": "dev"})
    gw = s.service_env("gateway")
    assert gw["GATEWAY_MEDIATION_URL"] == "http://127.0.0.1:18001"
    assert s.service_env("mediation")["MEDIATION_PORT"] == "18001"
    assert s.processes == ("gateway", "mediation", "lawyers")  # no console unless asked


def test_console_has_no_database_and_reaches_the_gateway(monkeypatch):
    monkeypatch.setenv("CONSOLE_PORT", "8103")
    monkeypatch.setenv("CONSOLE_DATABASE_URL", "sqlite:///should-not-pass.db")
    s = SuiteProcesses.from_env(DB, with_console=True)
    env = s.service_env("console")
    assert env["CONSOLE_PORT"] == "8103"
    assert env["CONSOLE_GATEWAY_URL"] == "http://127.0.0.1:8000"
    assert "CONSOLE_DATABASE_URL" not in env
    assert not any(k.endswith("DATABASE_URL") and k.startswith("CONSOLE") for k in env)
    assert runner.DATABASE_SERVICES == ("gateway", "mediation", "lawyers")
    assert s.command("console")[s.command("console").index("--factory") + 1] == "services.console.main:create_app"


def test_the_gateway_trusts_the_consoles_loopback_address_only_with_the_console(monkeypatch):
    """The console passes people's addresses on (X-Forwarded-For): `make run` lets the gateway believe it from
    loopback; without the console nothing is trusted, and an operator's own list is kept."""
    monkeypatch.delenv("GATEWAY_TRUSTED_PROXIES", raising=False)
    monkeypatch.setattr(runner, "console_available", lambda: True)
    assert SuiteProcesses.from_env(DB, with_console=True).service_env("gateway")["GATEWAY_TRUSTED_PROXIES"] == \
        "127.0.0.1"
    assert "GATEWAY_TRUSTED_PROXIES" not in SuiteProcesses.from_env(DB).service_env("gateway")
    assert "GATEWAY_TRUSTED_PROXIES" not in SuiteProcesses.from_env(DB, with_console=True).service_env("mediation")
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8")
    assert SuiteProcesses.from_env(DB, with_console=True).service_env("gateway")["GATEWAY_TRUSTED_PROXIES"] == \
        "10.0.0.0/8"


def test_console_started_only_when_asked_and_its_module_exists(monkeypatch):
    monkeypatch.setattr(runner, "console_available", lambda: False)
    assert SuiteProcesses.from_env(PG, with_console=True).processes == runner.DATABASE_SERVICES
    monkeypatch.setattr(runner, "console_available", lambda: True)
    assert SuiteProcesses.from_env(PG, with_console=True).processes == runner.PROCESSES
    assert SuiteProcesses.from_env(PG).processes == runner.DATABASE_SERVICES
    assert SuiteProcesses.from_env(DB).processes == (*runner.DATABASE_SERVICES, runner.WRITES)


def test_on_sqlite_mediations_writes_get_a_process_of_their_own(monkeypatch):
    """`make run` on SQLite: `mediation-writes` runs the mediation app on the same database, on port 8004 (or
    MEDIATION_WRITES_PORT), in one worker whatever MEDIATION_WORKERS says, and the gateway sends writes there."""
    monkeypatch.setenv("MEDIATION_WORKERS", "2")
    s = SuiteProcesses.from_env(DB)
    assert s.processes == ("gateway", "mediation", "lawyers", "mediation-writes")
    assert s.service_env("gateway")["GATEWAY_MEDIATION_WRITE_URL"] == "http://127.0.0.1:8004"
    assert s.service_env("gateway")["GATEWAY_MEDIATION_URL"] == "http://127.0.0.1:8001"
    env = s.service_env("mediation-writes")
    assert env["MEDIATION_PORT"] == "8004" and env["MEDIATION_DATABASE_URL"] == DB["mediation"]
    command = s.command("mediation-writes")
    assert command[command.index("--factory") + 1] == "services.mediation.main:create_app"
    assert "--workers" not in command and command[command.index("--port") + 1] == "8004"
    assert s.command("mediation")[s.command("mediation").index("--workers") + 1] == "2"
    monkeypatch.setenv("MEDIATION_WRITES_PORT", "8104")
    assert SuiteProcesses.from_env(DB).service_env("gateway")["GATEWAY_MEDIATION_WRITE_URL"] == \
        "http://127.0.0.1:8104"


def test_the_writes_process_is_a_setting(monkeypatch):
    """Off on PostgreSQL unless asked (writers there do not wait for one another's transactions); off on
    SQLite when asked; a value that is no choice fails with the variable's name."""
    assert _writes_wanted(PG) is False
    monkeypatch.setenv("MEDIATION_WRITES_PROCESS", "true")
    assert _writes_wanted(PG) is True
    monkeypatch.setenv("MEDIATION_WRITES_PROCESS", "false")
    s = SuiteProcesses.from_env(DB)
    assert s.processes == runner.DATABASE_SERVICES and "mediation-writes" not in s.ports
    assert "GATEWAY_MEDIATION_WRITE_URL" not in s.service_env("gateway")
    monkeypatch.setenv("MEDIATION_WRITES_PROCESS", "sometimes")
    with pytest.raises(ValueError, match="MEDIATION_WRITES_PROCESS"):
        SuiteProcesses.from_env(DB)


def _writes_wanted(urls) -> bool:
    return SuiteProcesses.from_env(urls).mediation_writes


@pytest.mark.parametrize("var,value", [("GATEWAY_PORT", "eighty"), ("LAWYERS_PORT", "70000"),
                                       ("CONSOLE_PORT", "8000"), ("SUITE_START_TIMEOUT", "-1"),
                                       ("MEDIATION_WRITES_PORT", "8001")])
def test_bad_settings_fail_with_the_variables_name(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    match = {"CONSOLE_PORT": "CONSOLE_PORT and GATEWAY_PORT",
             "MEDIATION_WRITES_PORT": "MEDIATION_WRITES_PORT and MEDIATION_PORT"}.get(var, var)
    with pytest.raises(ValueError, match=match):
        SuiteProcesses.from_env(DB)
        runner.start_timeout()


def test_start_timeout_setting(monkeypatch):
    assert runner.start_timeout() == runner.DEFAULT_START_TIMEOUT == 120
    monkeypatch.setenv("SUITE_START_TIMEOUT", "7.5")
    assert runner.start_timeout() == 7.5


def _stub_app(tmp_path, body: str) -> str:
    (tmp_path / "stub_console.py").write_text(textwrap.dedent(body))
    return "stub_console:create_app"


def test_console_process_starts_and_answers_health(tmp_path, monkeypatch):
    """A stand-in console app started the way `make run` starts it (uvicorn --factory, /healthz probe)."""
    target = _stub_app(tmp_path, """
        import os
        from fastapi import FastAPI

        def create_app():
            app = FastAPI()

            @app.get("/healthz")
            def healthz():
                return {"status": "ok", "gateway": os.environ["CONSOLE_GATEWAY_URL"],
                        "db": os.environ.get("CONSOLE_DATABASE_URL")}
            return app
        """)
    monkeypatch.setitem(runner.APPS, "console", target)
    monkeypatch.setenv("CONSOLE_DATABASE_URL", "sqlite:///nope.db")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])  # console_available() finds the stub
    ports = {"gateway": free_port(), "mediation": free_port(), "lawyers": free_port(), "console": free_port()}
    s = SuiteProcesses(DB, ports=ports, with_console=True, log_dir=tmp_path / "logs",
                       env={"PYTHONPATH": f"{tmp_path}:{runner.REPO_ROOT}"})
    assert s.processes == runner.PROCESSES  # the stub's module is found
    s.start_one("console")
    try:
        s.wait_ready("console", timeout=60)
        import httpx

        body = httpx.get(s.url["console"] + "/healthz", timeout=5).json()
        assert body == {"status": "ok", "gateway": s.url["gateway"], "db": None}
    finally:
        s.stop()


def test_wait_names_the_service_and_shows_its_log_tail(tmp_path, monkeypatch):
    target = _stub_app(tmp_path, """
        import sys

        def create_app():
            print("console: the template folder is missing", file=sys.stderr, flush=True)
            raise SystemExit(3)
        """)
    monkeypatch.setitem(runner.APPS, "console", target)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])  # console_available() finds the stub
    s = SuiteProcesses(DB, ports={"gateway": free_port(), "console": free_port()}, with_console=True,
                       log_dir=tmp_path / "logs", env={"PYTHONPATH": f"{tmp_path}:{runner.REPO_ROOT}"})
    s.start_one("console")
    try:
        with pytest.raises(RuntimeError) as e:
            s.wait_ready("console", timeout=60)
    finally:
        s.stop()
    message = str(e.value)
    assert message.startswith("console exited with code")
    assert "the template folder is missing" in message and "console.log" in message


def test_wait_times_out_with_what_it_waited_for(tmp_path, capsys):
    s = SuiteProcesses(DB, ports={"gateway": free_port()})  # nothing started, nothing listens
    with pytest.raises(RuntimeError, match=r"gateway not ready after 3 s: http://127\.0\.0\.1:\d+/readyz"):
        s.wait_ready("gateway", timeout=3)
    assert "等待 gateway 就绪 (waiting for gateway /readyz on http://127.0.0.1:" in capsys.readouterr().err


def test_the_reads_process_runs_lower_than_the_writes_one(tmp_path, monkeypatch):
    """With `mediation-writes`, the mediation process (the reads) starts `nice` 5: on a machine whose cores are
    full the booking holding SQLite's write lock gets a core first. Without it, nothing is lowered."""
    import httpx

    target = _stub_app(tmp_path, """
        import os
        from fastapi import FastAPI

        def create_app():
            app = FastAPI()

            @app.get("/readyz")
            def readyz():
                return {"nice": os.nice(0), "port": os.environ["MEDIATION_PORT"]}
            return app
        """)
    monkeypatch.setitem(runner.APPS, "mediation", target)
    monkeypatch.setitem(runner.APPS, runner.WRITES, target)
    env = {"PYTHONPATH": f"{tmp_path}:{runner.REPO_ROOT}"}
    ports = {"gateway": free_port(), "mediation": free_port(), "lawyers": free_port()}
    with_writes = SuiteProcesses(DB, ports=ports, mediation_writes=True, env=env, log_dir=tmp_path / "logs")
    without = SuiteProcesses(DB, ports={**ports, "mediation": free_port()}, env=env, log_dir=tmp_path / "logs2")
    base = os.nice(0)
    try:
        for suite, svc in ((with_writes, "mediation"), (with_writes, runner.WRITES), (without, "mediation")):
            suite.start_one(svc)
            suite.wait_ready(svc, timeout=60)
        answers = [httpx.get(s.url[svc] + "/readyz", timeout=5).json()
                   for s, svc in ((with_writes, "mediation"), (with_writes, runner.WRITES), (without, "mediation"))]
    finally:
        with_writes.stop()
        without.stop()
    assert [a["nice"] for a in answers] == [min(base + 5, 19), base, base]
    assert answers[1]["port"] == str(with_writes.ports[runner.WRITES])


def test_the_reads_nice_setting(monkeypatch):
    assert runner.reads_nice() == 5 and SuiteProcesses.from_env(DB).reads_nice == 5
    monkeypatch.setenv("MEDIATION_READS_NICE", "0")
    assert SuiteProcesses.from_env(DB).reads_nice == 0
    for bad in ("low", "20", "-1"):
        monkeypatch.setenv("MEDIATION_READS_NICE", bad)
        with pytest.raises(ValueError, match="MEDIATION_READS_NICE"):
            SuiteProcesses.from_env(DB)
