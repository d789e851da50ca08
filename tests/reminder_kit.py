"""Reminder test kit (its fixtures are re-exported by the reminder tests' conftest.py files):
a local SMTP server (aiosmtpd) on a free loopback port, a capturing SMS provider,
and "scheduler instances": new app instances of a service on the suite's database, as a second
replica or a restarted process would be, whose job functions the tests call directly."""
from __future__ import annotations

import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from shared.db import Database
from shared.notify.reminders import Notifier
from shared.testing import free_port


class CapturedSms:
    """A test SMS provider: keeps (phone, text) instead of sending."""

    name = "capture"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> str:
        with self._lock:
            self.sent.append((phone, text))
            return f"sms-{len(self.sent)}"


class MailSink:
    """aiosmtpd handler: keeps every message accepted."""

    def __init__(self) -> None:
        self.messages: list = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "subject": str(msg["Subject"]),
                              "message_id": str(msg["Message-ID"]), "body": msg.get_body().get_content()})
        return "250 Message accepted"


@pytest.fixture
def smtp():
    sink = MailSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def sms() -> CapturedSms:
    return CapturedSms()


class Schedulers:
    """New app instances of a service on the suite's database (each one a scheduler)."""

    def __init__(self, suite) -> None:
        self.suite = suite
        self.apps: list = []

    def __call__(self, svc: str, *, smtp_port: int, sms: CapturedSms, **settings):
        from services.lawyers.main import create_app as lawyers_app
        from services.mediation.main import create_app as mediation_app

        base = self.suite.app[svc].state.settings
        conf = base.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_timeout": 5.0,
                                       "jobs_enabled": False, **settings})
        app = (mediation_app if svc == "mediation" else lawyers_app)(conf)
        app.state.db = Database(self.suite.db_urls[svc], pool_size=5)
        app.state.notifier = Notifier(conf, sms=sms)
        self.apps.append(app)
        return app

    def close(self) -> None:
        for app in self.apps:
            app.state.db.dispose()


@pytest.fixture
def schedulers(suite):
    s = Schedulers(suite)
    try:
        yield s
    finally:
        s.close()
