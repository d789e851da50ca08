"""shared/notify without the services: masks, the logging SMS provider, the provider chosen by setting,
the mailer chosen by SMTP_HOST, lead times."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from shared.notify.mail import LoggingMailer, SmtpMailer, build_message, make_mailer, mask_email
from shared.notify.reminders import nearest_lead, parse_leads
from shared.notify.settings import NotifySettings
from shared.notify.sms import LoggingSmsProvider, load_sms_provider, mask_phone


class FakeProvider:
    name = "fake"

    def __init__(self, settings) -> None:
        self.settings = settings

    def send(self, phone: str, text: str) -> str:
        return "ok"


def test_logging_sms_provider_masks_the_phone(caplog):
    with caplog.at_level(logging.INFO, logger="suite.notify.sms"):
        LoggingSmsProvider().send("13812345678", "提醒：您的调解定于12月3日09:30在第一调解室进行")
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text
    assert mask_phone("+86 138-1234-5678") == "861****5678" and mask_phone("12345") == "***45"
    assert mask_email("li.tiaojie@example.org") == "l***@example.org"


def test_provider_and_mailer_are_chosen_by_setting(monkeypatch):
    assert isinstance(load_sms_provider("logging"), LoggingSmsProvider)
    p = load_sms_provider(f"{__name__}:FakeProvider", "conf")
    assert isinstance(p, FakeProvider) and p.settings == "conf"
    with pytest.raises(ValueError):
        load_sms_provider("no-colon")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("SMTP_PORT", "587")
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    monkeypatch.setenv("SMS_PROVIDER", f"{__name__}:FakeProvider")
    s = NotifySettings()
    assert (s.smtp_host, s.smtp_port, s.smtp_starttls, s.sms_provider) == (
        "smtp.example.org", 587, True, f"{__name__}:FakeProvider")
    assert isinstance(make_mailer(s), SmtpMailer)
    assert isinstance(make_mailer(NotifySettings(smtp_host="")), LoggingMailer)
    assert "hunter2-pw" not in repr(NotifySettings(smtp_password="hunter2-pw"))


def test_message_is_utf8_and_auto_submitted():
    msg = build_message("信访调解提醒 <noreply@example.org>", "a@example.org", "调解会提醒：案件 C-1", "您好！",
                        "<reminder.mediation.1@example.org>")
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Message-ID"] == "<reminder.mediation.1@example.org>"
    assert msg.get_content().strip() == "您好！" and str(msg["Subject"]) == "调解会提醒：案件 C-1"


def test_only_the_nearest_due_lead_is_queued():
    start = datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    dues = [(f"{h}h", start - timedelta(hours=h)) for h in parse_leads("2,24")]
    assert parse_leads("2,24") == [24, 2]
    assert nearest_lead(dues, start - timedelta(hours=30), start) is None
    assert nearest_lead(dues, start - timedelta(hours=20), start)[0] == "24h"
    assert nearest_lead(dues, start - timedelta(hours=1), start)[0] == "2h"   # booked late: one reminder
    assert nearest_lead(dues, start, start) is None                           # too late: none
