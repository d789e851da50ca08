"""Reminder fixtures (tests/reminder_kit.py): a local SMTP server, a capturing SMS provider and
scheduler instances of the mediation service."""
from tests.reminder_kit import schedulers, sms, smtp

__all__ = ["schedulers", "sms", "smtp"]
