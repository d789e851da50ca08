"""Mediation service settings (env prefix `MEDIATION_`).

The working rules of the 信访调解室 (practice numbers, DOMAIN.md) are settings:
a bureau with other numbers changes configuration, not code.
"""
from __future__ import annotations

import itertools
from datetime import time

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared import handoff_pii
from shared.notify.settings import NotifySettings
from shared.pii import key_ring

# Documented development keys for parties' personal data (README); SUITE_ENV=prod refuses both.
DEV_PII_KEY = "cGV0aXRpb24tc3VpdGUtZGV2LXBpaS1hZXMta2V5ISE="
DEV_PII_KEYS = "dev-1:" + DEV_PII_KEY
DEV_PII_HASH_KEY = "petition-suite-dev-pii-hash-key"


def parse_windows(spec: str) -> list[tuple[time, time]]:
    """`"09:00-12:00,14:00-17:30"` -> [(09:00, 12:00), (14:00, 17:30)], sorted, non-overlapping."""
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        a, _, b = part.partition("-")
        start, end = time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
        if end <= start:
            raise ValueError(f"office window {part!r} ends before it starts")
        out.append((start, end))
    out.sort()
    for (_, e1), (s2, _) in itertools.pairwise(out):
        if s2 < e1:
            raise ValueError("office windows overlap")
    return out


class MediationSettings(NotifySettings):
    model_config = SettingsConfigDict(env_prefix="MEDIATION_", extra="ignore", populate_by_name=True)

    service_name: str = "mediation"
    port: int = 8001
    service_client_id: str = "mediation-service"
    service_client_secret: str = "mediation-service-dev-secret"
    # A room's answer kept in memory once read (room/answers.py); false reads every room from the database
    # (what bench/gateway_overhead.py measures as "read from the database").
    keep_room_answers: bool = True

    # -- working rules (practice) ---------------------------------------------------------
    # Office hours in Asia/Shanghai on working days (the shared calendar, 调休 and overrides included).
    office_hours: str = "09:00-12:00,14:00-17:30"
    buffer_minutes: int = 15            # between sessions of the same room, mediator or party
    min_notice_minutes: int = 120       # earliest booking: now + 2 h
    horizon_days: int = 90              # latest booking: today + 90 days
    min_session_minutes: int = 30
    max_session_minutes: int = Field(240, le=600)  # claims are assumed shorter than a day

    # -- availability --------------------------------------------------------------------
    availability_step_minutes: int = 15  # slot starts on this grid (local time)
    availability_max_days: int = 92
    availability_default_limit: int = 50
    availability_max_limit: int = 1000

    # -- after the session -------------------------------------------------------------------
    followup_days_after_performance: int = 3   # 回访 after the performance date
    judicial_warning_days: int = 5             # warn when the 司法确认 window closes within this
    reminder_hours: str = "24,2"               # reminder events before a session (mediation.session.reminder_due)
    # Reminders people receive (services/mediation/reminder, shared/notify): lead times, comma-separated.
    remind_session_hours: str = "24"           # SMS to parties with a phone, e-mail to mediators with one
    remind_judicial_days: str = "7,1"          # e-mail to the mediators before the 司法确认 window closes
    remind_followup_days: str = "0"            # e-mail to the mediators on (0) or before the 回访 date

    # -- documents (调解协议书, 调解笔录) ------------------------------------------------------
    organisation_name: str = "区信访事项人民调解委员会"  # the mediation organisation that seals the agreement
    document_number_prefix: str = "信调"       # agreement numbers: （2026）信调字第0001号

    # -- parties' personal data (phone, ID number): shared/pii.py, services/mediation/party/ ---------
    # MEDIATION_PII_KEYS: comma-separated `kid:base64key` (AES-128/192/256); the first seals, all open;
    # rotate by putting a new key first, then `python -m services.mediation.cli rotate-pii-keys`.
    pii_keys: str = Field(DEV_PII_KEYS, repr=False)
    # MEDIATION_PII_HASH_KEY: the HMAC-SHA256 key of the matching hashes (party identity, 重复信访).
    pii_hash_key: str = Field(DEV_PII_HASH_KEY, min_length=16, repr=False)
    # HANDOFF_PII_KEYS (MEDIATION_HANDOFF_PII_KEYS overrides it): the keys the gateway seals a handoff's
    # phones and ID numbers with (shared/handoff_pii.py); the same ring as the gateway's, all of them open.
    handoff_pii_keys: str = handoff_pii.keys_setting("MEDIATION_")

    @field_validator("office_hours")
    @classmethod
    def _windows_ok(cls, v: str) -> str:
        parse_windows(v)
        return v

    @field_validator("pii_keys", "handoff_pii_keys")
    @classmethod
    def _pii_keys_ok(cls, v: str) -> str:
        key_ring(v)  # fail fast on a malformed key
        return v

    def dev_secret_problems(self) -> list[str]:
        problems = super().dev_secret_problems()
        if DEV_PII_KEY in (k.partition(":")[2].strip() for k in self.pii_keys.split(",")):
            problems.append("SUITE_ENV=prod refuses the development PII key; set MEDIATION_PII_KEYS")
        if self.pii_hash_key == DEV_PII_HASH_KEY:
            problems.append("SUITE_ENV=prod refuses the development PII hash key; set MEDIATION_PII_HASH_KEY")
        if problem := handoff_pii.dev_key_problem(self.handoff_pii_keys, "MEDIATION_"):
            problems.append(problem)
        return problems

    @property
    def office_windows(self) -> list[tuple[time, time]]:
        return parse_windows(self.office_hours)

    @property
    def reminder_leads(self) -> list[int]:
        return sorted({int(x) for x in self.reminder_hours.split(",") if x.strip()}, reverse=True)
