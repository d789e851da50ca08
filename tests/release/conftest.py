"""Fresh, unmigrated databases for the release checks, made on first use (`fresh_urls["mediation"]`): a new
PostgreSQL database when TEST_DATABASE_URL is set, else an SQLite file."""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from shared.db import make_engine
from shared.testing import admin_url


class FreshDatabases(dict):
    def __init__(self, tmp_path, base: str | None) -> None:
        super().__init__()
        self.tmp_path, self.base = tmp_path, base
        if base and base.startswith("postgresql://"):
            self.base = "postgresql+psycopg://" + base[len("postgresql://"):]
        self.prefix = f"release_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    def __missing__(self, svc: str) -> str:
        if not self.base:
            url = f"sqlite:///{self.tmp_path / (svc + '.db')}"
        else:
            self._admin(f'CREATE DATABASE "{self.prefix}_{svc}"')
            url = self.base.rsplit("/", 1)[0] + f"/{self.prefix}_{svc}"
        self[svc] = url
        return url

    def drop(self) -> None:
        if self.base:
            for svc in self:
                self._admin(f'DROP DATABASE IF EXISTS "{self.prefix}_{svc}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        engine = make_engine(admin_url(self.base), pool_size=1)
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(sa.text(sql))
        finally:
            engine.dispose()


@pytest.fixture()
def fresh_urls(tmp_path):
    dbs = FreshDatabases(tmp_path, os.environ.get("TEST_DATABASE_URL"))
    try:
        yield dbs
    finally:
        dbs.drop()
