"""Mediation service settings (env prefix `MEDIATION_`).

The working rules of the 信访调解室 (practice numbers, DOMAIN.md) are settings:
a bureau with other numbers changes configuration, not code.
"""
from __future__ import annotations

from datetime import time

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import SuiteSettings


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
    for (_, e1), (s2, _) in zip(out, out[1:]):
        if s2 < e1:
            raise ValueError("office windows overlap")
    return out


class MediationSettings(SuiteSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIATION_", extra="ignore", populate_by_name=True)

    service_name: str = "mediation"
    port: int = 8001
    service_client_id: str = "mediation-service"
    service_client_secret: str = "mediation-service-dev-secret"

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
    reminder_hours: str = "24,2"               # reminders before a session

    # -- documents (调解协议书, 调解笔录) ------------------------------------------------------
    organisation_name: str = "区信访事项人民调解委员会"  # the mediation organisation that seals the agreement
    document_number_prefix: str = "信调"       # agreement numbers: （2026）信调字第0001号

    @field_validator("office_hours")
    @classmethod
    def _windows_ok(cls, v: str) -> str:
        parse_windows(v)
        return v

    @property
    def office_windows(self) -> list[tuple[time, time]]:
        return parse_windows(self.office_hours)

    @property
    def reminder_leads(self) -> list[int]:
        return sorted({int(x) for x in self.reminder_hours.split(",") if x.strip()}, reverse=True)
