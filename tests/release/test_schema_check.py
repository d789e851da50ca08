"""A service refuses to start on a database its release has not migrated (issue 15): empty, or at an older
head; it starts once migrated, on a newer schema (a rollback), or when MIGRATE_ON_START migrates it first."""
from __future__ import annotations

import asyncio
import logging
import subprocess
import sys

import pytest
import sqlalchemy as sa

from shared import migrate
from shared.db import make_engine
from shared.migrate import SchemaNotCurrent
from shared.settings import REPO_ROOT

SERVICES = ("gateway", "mediation", "lawyers")
# The last revision before this release's head, per service (a database one release behind).
PREVIOUS = {"gateway": "gateway_0050_vocab", "mediation": "mediation_pii_0040", "lawyers": "lawyers_0020_vocab"}


def factory(svc: str):
    from services.gateway.main import create_app as gateway_app
    from services.lawyers.main import create_app as lawyers_app
    from services.mediation.main import create_app as mediation_app

    return {"gateway": gateway_app, "mediation": mediation_app, "lawyers": lawyers_app}[svc]


def start(svc: str, url: str, **settings) -> None:
    """Run the service's startup and shutdown (its lifespan), as uvicorn does."""
    app = factory(svc)(database_url=url, suite_env=settings.pop("suite_env", "test"), jobs_enabled=False,
                       internal_port=0, **settings) if svc == "gateway" else \
        factory(svc)(database_url=url, suite_env=settings.pop("suite_env", "test"), jobs_enabled=False, **settings)

    async def go():
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(go())


class Lines(logging.Handler):
    """The startup check's log lines, as (level, message) (held on its own logger: the services' logging
    setup replaces the root handlers)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelname.lower(), record.getMessage()))

    def take(self) -> list[tuple[str, str]]:
        taken, self.lines = self.lines, []
        return taken


@pytest.fixture()
def logged():
    handler, logger = Lines(), logging.getLogger("shared.migrate")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def version_rows(url: str) -> set[str]:
    engine = make_engine(url, pool_size=1)
    try:
        return migrate.current_revisions(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("svc", SERVICES)
def test_an_empty_database_is_refused_with_a_clear_line(svc, fresh_urls, logged):
    with pytest.raises(SchemaNotCurrent):
        start(svc, fresh_urls[svc])
    [(level, message)] = logged.take()
    head = migrate.script_directory(svc).get_current_head()
    assert level == "error" and message == (f"{svc} database is not migrated: it is at no revision (empty), "
                                            f"this release needs {head}; run `python -m shared.migrate` "
                                            "(the release's migration Job) first. Refusing to start.")
    assert version_rows(fresh_urls[svc]) == set()  # nothing was created behind the operator's back


@pytest.mark.parametrize("svc", SERVICES)
def test_a_database_one_release_behind_is_refused_then_starts_once_migrated(svc, fresh_urls, logged):
    url = fresh_urls[svc]
    migrate.upgrade(svc, url, PREVIOUS[svc])
    with pytest.raises(SchemaNotCurrent, match=f"it is at {PREVIOUS[svc]}, this release needs"):
        start(svc, url)
    assert [level for level, _ in logged.take()] == ["error"]
    migrate.upgrade(svc, url)
    start(svc, url)
    assert logged.take() == []


def test_a_newer_schema_starts_with_a_warning(fresh_urls, logged):
    """A rollback: the previous release runs on the schema the newer one left."""
    url = fresh_urls["mediation"]
    migrate.upgrade("mediation", url)
    engine = make_engine(url, pool_size=1)
    with engine.begin() as c:
        c.execute(sa.text("UPDATE alembic_version SET version_num = 'mediation_9999_next_release'"))
    engine.dispose()
    start("mediation", url)
    [(level, message)] = logged.take()
    assert level == "warning" and "mediation_9999_next_release, newer than this release" in message


def test_migrate_on_start_migrates_first_in_dev_and_test_only(fresh_urls):
    url = fresh_urls["lawyers"]
    with pytest.raises(RuntimeError, match="SUITE_ENV=prod refuses MIGRATE_ON_START"):
        start("lawyers", url, suite_env="prod", migrate_on_start=True, service_client_secret="a-real-secret",
              cursor_secret="a-real-cursor-secret")
    assert version_rows(url) == set()
    start("lawyers", url, migrate_on_start=True)
    assert version_rows(url) == {migrate.script_directory("lawyers").get_current_head()}


def test_the_process_exits_non_zero_with_the_line_in_its_log(fresh_urls):
    """As an operator sees it: uvicorn (as the image runs it) stops at startup, the reason in the log."""
    env = {"PATH": "/usr/bin:/bin", "MEDIATION_DATABASE_URL": fresh_urls["mediation"], "SUITE_ENV": "test",
           "MEDIATION_JOBS_ENABLED": "false"}
    proc = subprocess.run([sys.executable, "-m", "uvicorn", "--factory", "services.mediation.main:create_app",
                           "--host", "127.0.0.1", "--port", "0"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert '"message": "mediation database is not migrated: it is at no revision (empty)' in proc.stderr
    assert "Application startup failed. Exiting." in proc.stderr
