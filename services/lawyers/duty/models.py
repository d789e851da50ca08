"""Duty roster (值班表), leader reception days (领导接访日) and reception assists (协助接访)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import Column, Date, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime
from shared.timeutil import Day, Instant

OWNER = {"info": {"owner": "lawyers"}}


class DutyShift(SQLModel, table=True):
    """One lawyer on duty at the reception hall (接待大厅) on one working day."""

    __tablename__ = "duty_shift"
    __table_args__ = (UniqueConstraint("day", "slot", name="uq_duty_shift_day_slot"),
                      UniqueConstraint("day", "lawyer_id", name="uq_duty_shift_day_lawyer"),
                      Index("ix_duty_shift_lawyer_day", "lawyer_id", "day"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, nullable=False))
    slot: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    lawyer_id: str = Field(sa_column=Column(String(32), nullable=False))
    place: str = Field(default="reception_hall", sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ReceptionDay(SQLModel, table=True):
    """An ad hoc leader reception day (专题接访 / 约访); monthly days follow the setting."""

    __tablename__ = "reception_day"
    __table_args__ = (Index("ix_reception_day_day", "day"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    day: date = Field(sa_column=Column(Date, nullable=False))
    leader: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    note: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ReceptionAssist(SQLModel, table=True):
    """A public lawyer sitting in on a district leader's reception (协助接访), one lawyer per leader."""

    __tablename__ = "reception_assist"
    __table_args__ = (Index("ix_reception_assist_leader", "leader", "start"),
                      Index("ix_reception_assist_lawyer", "lawyer_id", "start"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    leader: str = Field(sa_column=Column(String(100), nullable=False))
    start: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    end: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    topic: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    lawyer_id: str = Field(sa_column=Column(String(32), nullable=False))
    case_no: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    handoff_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class GenerateIn(BaseModel):
    from_: Day = PField(alias="from")
    to: Day
    replace: bool = False

    model_config = {"populate_by_name": True}


class SwapIn(BaseModel):
    with_shift_id: str = PField(min_length=1, max_length=64)
    reason: str = PField(default="", max_length=500)


class ReceptionDayIn(BaseModel):
    date: Day
    leader: str = PField(default="", max_length=100)
    note: str = PField(default="", max_length=500)


class AssistIn(BaseModel):
    leader: str = PField(min_length=1, max_length=100)
    start: Instant
    end: Instant
    topic: str = PField(default="", max_length=500)
    case_no: str | None = PField(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


# -- answers (dates and instants are the strings of context.day() / iso()) ----------------------------
class ShiftPublic(BaseModel):
    """A duty shift (值班) with its hours that day."""

    id: str
    date: str
    slot: int
    lawyer_id: str
    place: str
    start: str
    end: str


class RosterGenerated(BaseModel):
    """The shifts generated for a period and how many each lawyer got."""

    model_config = {"populate_by_name": True}

    items: list[ShiftPublic]
    next_cursor: str | None = None
    from_: str = PField(alias="from")
    to: str
    load: dict[str, int]


class ReceptionDayPublic(BaseModel):
    """A leader reception day (领导接访日): the monthly one (no id) or an ad hoc one."""

    id: str | None
    date: str
    kind: Literal["monthly", "ad_hoc"]
    leader: str
    note: str


class AssistPublic(BaseModel):
    """A reception assist (协助接访); `public_lawyer` is the same lawyer as `lawyer_id`."""

    id: str
    leader: str
    start: str
    end: str
    topic: str
    public_lawyer: str
    lawyer_id: str
    case_no: str | None
    handoff_id: str | None
    created_at: str
