"""The roster (律师名册): lawyers, their contracts and leave, and the roster's change token."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import Boolean, Column, Date, Float, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime
from shared.timeutil import Day

OWNER = {"info": {"owner": "lawyers"}}
LawyerKind = Literal["retained_counsel", "public_lawyer", "studio_lawyer"]


class Lawyer(SQLModel, table=True):
    """A lawyer on the roster: 常年法律顾问, 公职律师 or 复查复核工作室律师."""

    __tablename__ = "lawyer"
    __table_args__ = (UniqueConstraint("license_no"), UniqueConstraint("login"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    license_no: str = Field(sa_column=Column(String(64), nullable=False))
    firm: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    specialties: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    # The words of unknown specialties as sent (each stored as `other` in `specialties`; shared/vocabulary.py).
    specialties_text: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False, default=list))
    languages: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    login: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    # Where reminders reach the lawyer (opinion requests and reviews due); optional.
    email: str | None = Field(default=None, sa_column=Column(String(254), nullable=True))
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    qualification: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    # Load counters kept in the same transaction as each assignment (fast, race-free cap check).
    open_requests: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    last_assigned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class LawyerContract(SQLModel, table=True):
    """A retained-counsel contract (常年法律顾问合同): window and annual hours."""

    __tablename__ = "lawyer_contract"
    __table_args__ = (Index("ix_lawyer_contract_window", "lawyer_id", "start", "end"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    lawyer_id: str = Field(sa_column=Column(String(32), nullable=False))
    start: date = Field(sa_column=Column(Date, nullable=False))
    end: date = Field(sa_column=Column(Date, nullable=False))
    annual_hours: float = Field(sa_column=Column(Float, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class LawyerLeave(SQLModel, table=True):
    """Leave (请假): the lawyer is not assigned nor rostered between start and end (inclusive)."""

    __tablename__ = "lawyer_leave"
    __table_args__ = (Index("ix_lawyer_leave_window", "lawyer_id", "start", "end"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    lawyer_id: str = Field(sa_column=Column(String(32), nullable=False))
    start: date = Field(sa_column=Column(Date, nullable=False))
    end: date = Field(sa_column=Column(Date, nullable=False))
    reason: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class RosterState(SQLModel, table=True):
    """One row: a token that changes whenever the roster's slow-changing facts change (lawyer/snapshot.py)."""

    __tablename__ = "roster_state"
    __table_args__ = (OWNER,)

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    token: str = Field(sa_column=Column(String(32), nullable=False))


# -- schemas -------------------------------------------------------------------------------
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ContractIn(BaseModel):
    start: Day
    end: Day
    annual_hours: float = PField(gt=0, le=10000)


class Qualification(BaseModel):
    """公职律师 qualification facts: legal qualification certificate and years of legal work."""

    certificate_no: str = PField(min_length=1, max_length=64)
    legal_work_since: Day


class LawyerCreate(BaseModel):
    name: str = PField(min_length=1, max_length=100)
    kind: LawyerKind
    license_no: str = PField(min_length=1, max_length=64)
    firm: str = PField(default="", max_length=200)
    specialties: list[str] = PField(default_factory=list, max_length=50)
    languages: list[str] = PField(default_factory=lambda: ["zh"], max_length=20)
    user: str | None = PField(default=None, min_length=1, max_length=100)
    email: str | None = PField(default=None, max_length=254, pattern=EMAIL_PATTERN,
                               description="where reminders reach the lawyer (optional)")
    contract: ContractIn | None = None
    qualification: Qualification | None = None
    active: bool = True


class LawyerUpdate(BaseModel):
    name: str | None = PField(default=None, min_length=1, max_length=100)
    firm: str | None = PField(default=None, max_length=200)
    specialties: list[str] | None = PField(default=None, max_length=50)
    languages: list[str] | None = PField(default=None, max_length=20)
    user: str | None = PField(default=None, min_length=1, max_length=100)
    email: str | None = PField(default=None, max_length=254, pattern=EMAIL_PATTERN)
    active: bool | None = None


class LeaveIn(BaseModel):
    start: Day
    end: Day
    reason: str = PField(default="", max_length=500)


def contract_public(c: LawyerContract) -> dict[str, Any]:
    return {"id": c.id, "start": c.start.isoformat(), "end": c.end.isoformat(), "annual_hours": c.annual_hours}


def leave_public(lv: LawyerLeave) -> dict[str, Any]:
    return {"id": lv.id, "lawyer_id": lv.lawyer_id, "start": lv.start.isoformat(), "end": lv.end.isoformat(),
            "reason": lv.reason}


# -- answers (dates and instants are the strings of context.day() / iso(): YYYY-MM-DD, RFC 3339 +08:00) --
class VocabularyWarning(BaseModel):
    """Words sent that are not in the shared vocabulary, stored as `other` (shared/vocabulary.py)."""

    code: str
    field: str
    value: str | list[str]
    stored_as: str
    message: str
    message_zh: str


class ContractPublic(BaseModel):
    """A retained-counsel contract (常年法律顾问合同)."""

    id: str
    start: str
    end: str
    annual_hours: float


class LeavePublic(BaseModel):
    """Leave (请假)."""

    id: str
    lawyer_id: str
    start: str
    end: str
    reason: str


class LawyerPublic(BaseModel):
    """A lawyer on the roster (律师), with the contract in force (else the latest) for retained counsel."""

    id: str
    name: str
    kind: LawyerKind
    license_no: str
    firm: str
    specialties: list[str]
    specialties_label: list[str]
    specialties_text: list[str]
    warnings: list[VocabularyWarning]
    languages: list[str]
    user: str | None
    email: str | None
    active: bool
    qualification: dict[str, Any] | None
    contract: ContractPublic | None
    open_requests: int
    last_assigned_at: str | None
    created_at: str
