"""SMS: a provider interface, the development provider that only logs, and the loader by setting."""
from __future__ import annotations

import importlib
import logging
from typing import Protocol, runtime_checkable

log = logging.getLogger("suite.notify.sms")


class SmsError(Exception):
    """The provider did not take the message; the reminder stays unsent and is retried."""


@runtime_checkable
class SmsProvider(Protocol):
    """Sends one text to one phone number; returns the provider's message id (or None).

    Raises `SmsError` (or any exception) when the message was not accepted.
    """

    name: str

    def send(self, phone: str, text: str) -> str | None: ...


def mask_phone(phone: str | None) -> str:
    """`138****1234`: the first 3 and last 4 digits (个人信息保护法; DOMAIN.md "masked forms")."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) < 8:
        return "*" * max(len(digits) - 2, 0) + digits[-2:]
    return f"{digits[:3]}****{digits[-4:]}"


class LoggingSmsProvider:
    """Development provider: logs the text with the phone masked; sends nothing."""

    name = "logging"

    def __init__(self, settings=None) -> None:
        self.settings = settings

    def send(self, phone: str, text: str) -> str | None:
        log.info("SMS to %s: %s", mask_phone(phone), text)
        return None


def load_sms_provider(spec: str, settings=None) -> SmsProvider:
    """`logging`, or `package.module:Factory` called with the settings."""
    spec = (spec or "logging").strip()
    if spec == "logging":
        return LoggingSmsProvider(settings)
    module, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"SMS_PROVIDER must be 'logging' or 'package.module:Factory', not {spec!r}")
    factory = getattr(importlib.import_module(module), attr)
    return factory(settings)
