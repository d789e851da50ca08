"""Mediators (调解员): kind, languages, working hours, leave and relations for recusal (回避)."""
from __future__ import annotations

from datetime import datetime, time
from enum import Enum
from typing import Any

from pydantic import BaseModel, field_validator, model_validator
from pydantic import Field as PField
from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from services.mediation.room.models import Period
from shared.db import JSONType, UTCDateTime
from shared.timeutil import Instant

OWNER = {"info": {"owner": "mediation"}}


class MediatorKind(str, Enum):
    people_mediator = "people_mediator"      # 人民调解员
    petition_officer = "petition_officer"    # 信访干部


class Mediator(SQLModel, table=True):
    """A mediator; `user` links the record to a login name (a mediator user sees their own sessions)."""

    __tablename__ = "mediator"
    __table_args__ = (OWNER,)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    user: str | None = Field(default=None, sa_column=Column(String(100), unique=True, nullable=True))
    # Where reminders reach the mediator (sessions, 司法确认 deadlines, 回访); optional.
    email: str | None = Field(default=None, sa_column=Column(String(254), nullable=True))
    # [{"weekday": 1..7 (ISO), "start": "HH:MM", "end": "HH:MM"}]; null: the office hours.
    working_hours: list[dict] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class MediatorLeave(SQLModel, table=True):
    """A mediator's leave (请假): no sessions then."""

    __tablename__ = "mediator_leave"
    __table_args__ = (Index("ix_mediator_leave_mediator_start", "mediator_id", "starts_at"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    mediator_id: str = Field(sa_column=Column(String(32), ForeignKey("mediator.id", ondelete="CASCADE"),
                                              nullable=False))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    reason: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class MediatorRelation(SQLModel, table=True):
    """A relation between a mediator and a party: grounds for recusal (回避)."""

    __tablename__ = "mediator_relation"
    __table_args__ = (Index("ix_mediator_relation_party", "party_name"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    mediator_id: str = Field(sa_column=Column(String(32), ForeignKey("mediator.id", ondelete="CASCADE"),
                                              nullable=False))
    party_name: str = Field(sa_column=Column(String(200), nullable=False))
    relation: str = Field(sa_column=Column(String(200), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# -- schemas ------------------------------------------------------------------------------
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class WorkingHours(BaseModel):
    weekday: int = PField(ge=1, le=7, description="ISO weekday, 1 = Monday")
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Any:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class MediatorCreate(BaseModel):
    name: str = PField(min_length=1, max_length=200)
    kind: MediatorKind
    languages: list[str] = PField(default_factory=lambda: ["zh"], min_length=1, max_length=20)
    user: str | None = PField(default=None, min_length=1, max_length=100)
    email: str | None = PField(default=None, max_length=254, pattern=EMAIL_PATTERN,
                               description="where reminders reach the mediator (optional)")
    working_hours: list[WorkingHours] | None = PField(default=None, max_length=50)

    @field_validator("languages")
    @classmethod
    def _langs(cls, v: list[str]) -> list[str]:
        import re
        for lang in v:
            if not re.match(LANGUAGE_PATTERN, lang):
                raise ValueError(f"{lang!r} is not a language code (e.g. zh, yue)")
        return list(dict.fromkeys(v))


class MediatorPublic(BaseModel):
    id: str
    name: str
    kind: MediatorKind
    languages: list[str]
    user: str | None
    email: str | None = None
    working_hours: list[WorkingHours] | None
    created_at: Instant


class LeaveCreate(Period):
    reason: str = PField(default="", max_length=500)


class LeavePublic(BaseModel):
    id: str
    mediator_id: str
    start: Instant
    end: Instant
    reason: str
    affected_session_ids: list[str] = []


class RelationCreate(BaseModel):
    party_name: str = PField(min_length=1, max_length=200)
    relation: str = PField(min_length=1, max_length=200)


class RelationPublic(BaseModel):
    id: str
    mediator_id: str
    party_name: str
    relation: str
    # Scheduled sessions of this mediator with that party, flagged `recusal_conflict` (session/flags.py).
    flagged_session_ids: list[str] = []
    created_at: Instant
