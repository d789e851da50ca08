"""Settings of reminders and their delivery (e-mail over SMTP, SMS through a provider).

SMTP and SMS are suite-wide and unprefixed (`SMTP_HOST`, `SMTP_PORT`, `SMTP_USER`, `SMTP_PASSWORD`,
`SMTP_FROM`, `SMTP_STARTTLS`, `SMTP_SSL`, `SMTP_TIMEOUT`, `SMS_PROVIDER`, `SMS_SIGNATURE`); the sender's
pace is per service (`<PREFIX>REMINDER_...`, e.g. `MEDIATION_REMINDER_BATCH`).
"""
from __future__ import annotations

from pydantic import Field

from shared.settings import SuiteSettings, suite_wide


class NotifySettings(SuiteSettings):
    """A service that sends reminders: the SMTP server, the SMS provider and the sender's pace."""

    # -- e-mail (SMTP) ------------------------------------------------------------------------
    # Empty: no SMTP server; e-mails are logged with the address masked instead of sent (dev only).
    smtp_host: str = suite_wide("", "SMTP_HOST")
    smtp_port: int = suite_wide(25, "SMTP_PORT")
    smtp_user: str = suite_wide("", "SMTP_USER")
    smtp_password: str = suite_wide("", "SMTP_PASSWORD", repr=False)
    smtp_from: str = suite_wide("信访调解提醒 <noreply@petition-suite.invalid>", "SMTP_FROM")
    smtp_starttls: bool = suite_wide(False, "SMTP_STARTTLS")  # STARTTLS after connecting (port 587)
    smtp_ssl: bool = suite_wide(False, "SMTP_SSL")            # implicit TLS from the start (port 465)
    smtp_timeout: float = suite_wide(10.0, "SMTP_TIMEOUT")    # seconds, per connection and command

    # -- SMS ----------------------------------------------------------------------------------
    # `logging` (dev: logs the text with the phone masked) or `package.module:Factory` of a provider
    # (`Factory(settings)` -> an object with `send(phone, text)`; see shared/notify/sms.py).
    sms_provider: str = suite_wide("logging", "SMS_PROVIDER")
    sms_signature: str = suite_wide("【区信访局】", "SMS_SIGNATURE")  # 短信签名, put before every text

    # -- the sender (per service) -------------------------------------------------------------
    reminder_scan_seconds: float = 60       # how often the due scan runs
    reminder_send_seconds: float = 30       # how often the sender runs
    reminder_batch: int = Field(50, ge=1, le=1000)      # reminders one sender run sends at most
    reminder_retry_base_seconds: int = 60   # first retry after a failed send; doubles each time
    reminder_retry_max_seconds: int = 3600
    reminder_max_attempts: int = 20         # then the reminder is marked failed
    reminder_day_time: str = "08:30"        # local time of day at which day-based reminders fall due
