"""Hours against the contract (工时) and the fee ledger (律师费用台账)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import Column, Date, Float, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime
from shared.timeutil import Day

OWNER = {"info": {"owner": "lawyers"}}
Difficulty = Literal["simple", "moderate", "complex"]


class TimeEntry(SQLModel, table=True):
    """Hours a lawyer worked on a case or task."""

    __tablename__ = "time_entry"
    __table_args__ = (Index("ix_time_entry_lawyer_day", "lawyer_id", "day"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    lawyer_id: str = Field(sa_column=Column(String(32), nullable=False))
    day: date = Field(sa_column=Column(Date, nullable=False))
    hours: float = Field(sa_column=Column(Float, nullable=False))
    case_no: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    activity: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))


class FeeEntry(SQLModel, table=True):
    """A fee line: a written opinion (automatic on filing), a case resolved, or another amount.

    Duty-day fees are derived from the duty roster at report time (so swaps stay right).
    """

    __tablename__ = "fee_entry"
    __table_args__ = (UniqueConstraint("kind", "ref_id", name="uq_fee_entry_kind_ref"),
                      Index("ix_fee_entry_lawyer_day", "lawyer_id", "day"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    lawyer_id: str = Field(sa_column=Column(String(32), nullable=False))
    day: date = Field(sa_column=Column(Date, nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    amount: int = Field(sa_column=Column(Integer, nullable=False))
    case_no: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    ref_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    difficulty: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    note: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class HoursWarning(SQLModel, table=True):
    """The 80% hours warning already sent for a lawyer and contract year (sent once)."""

    __tablename__ = "hours_warning"
    __table_args__ = (OWNER,)

    lawyer_id: str = Field(sa_column=Column(String(32), primary_key=True))
    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    sent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class TimeEntryCreate(BaseModel):
    lawyer_id: str = PField(min_length=1, max_length=64)
    date: Day
    hours: float = PField(gt=0, le=24)
    case_no: str | None = PField(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    activity: str = PField(default="", max_length=500)


class FeeCreate(BaseModel):
    lawyer_id: str = PField(min_length=1, max_length=64)
    date: Day
    kind: Literal["case_resolution", "other"]
    difficulty: Difficulty | None = None
    amount: int | None = PField(default=None, ge=0, le=10_000_000)
    case_no: str | None = PField(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    note: str = PField(default="", max_length=500)


# -- answers (dates and instants are the strings of context.day() / iso()) ----------------------------
class TimeEntryPublic(BaseModel):
    """Hours logged (工时)."""

    id: str
    lawyer_id: str
    date: str
    hours: float
    case_no: str | None
    activity: str
    created_at: str


class HoursUsage(BaseModel):
    """A year's hours against the contracted annual hours; `warning` at the warning ratio (80%)."""

    lawyer_id: str
    year: int
    used: float
    annual_hours: float | None
    remaining: float | None
    ratio: float | None
    warning: bool


class TimeEntryLogged(TimeEntryPublic):
    usage: HoursUsage


class FeePublic(BaseModel):
    """A fee line (律师费用台账): recorded, or a duty day worked (`kind` duty_day)."""

    id: str
    lawyer_id: str
    date: str
    kind: str
    amount: int
    case_no: str | None
    ref_id: str | None
    difficulty: Difficulty | None
    note: str


class FeeLedger(BaseModel):
    """A lawyer's fee lines of a month and their total."""

    lawyer_id: str
    month: str
    items: list[FeePublic]
    total: int
