"""After the agreement: who signed the written agreement (签字、盖章或按指印), the parties' application for
judicial confirmation (司法确认申请, 人民调解法 art. 33) and follow-up visits on performance (回访)."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from pydantic import BaseModel, field_validator
from pydantic import Field as PField
from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime
from shared.timeutil import Day, Instant

OWNER = {"info": {"owner": "mediation"}}


class AgreementSignature(SQLModel, table=True):
    """One party's signature (or seal or fingerprint) on a written agreement (调解协议书), recorded once."""

    __tablename__ = "agreement_signature"
    __table_args__ = (OWNER,)

    agreement_id: str = Field(sa_column=Column(String(32), ForeignKey("agreement.id"), primary_key=True))
    party_position: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    party_name: str = Field(sa_column=Column(String(200), nullable=False))
    signed_on: date = Field(sa_column=Column(Date, nullable=False))
    recorded_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class JudicialConfirmation(SQLModel, table=True):
    """The parties' joint application to a court for judicial confirmation (司法确认) of an agreement."""

    __tablename__ = "judicial_confirmation"
    __table_args__ = (OWNER,)

    agreement_id: str = Field(sa_column=Column(String(32), ForeignKey("agreement.id"), primary_key=True))
    applied_on: date = Field(sa_column=Column(Date, nullable=False))
    court: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    recorded_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Performance(str, Enum):
    performed = "performed"                # 已履行
    partly_performed = "partly_performed"  # 部分履行
    not_performed = "not_performed"        # 未履行


class FollowupVisit(SQLModel, table=True):
    """A follow-up visit (回访) on how an agreement is being performed."""

    __tablename__ = "followup_visit"
    __table_args__ = (Index("ix_followup_visit_agreement", "agreement_id", "visited_on"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    agreement_id: str = Field(sa_column=Column(String(32), ForeignKey("agreement.id"), nullable=False))
    visited_on: date = Field(sa_column=Column(Date, nullable=False))
    performance: str = Field(sa_column=Column(String(32), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recorded_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# -- schemas ------------------------------------------------------------------------------
class SignaturesIn(BaseModel):
    """The parties (by name, as booked) who signed, sealed or fingerprinted the written agreement."""

    signed_by: list[str] = PField(min_length=1, max_length=20)
    signed_on: Day | None = None  # default: today

    @field_validator("signed_by")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        out = [" ".join(n.split()) for n in v]
        if any(not n or len(n) > 200 for n in out):
            raise ValueError("each name must be 1–200 characters")
        return out


class SignedParty(BaseModel):
    name: str
    role: str
    signed_on: date


class SignaturesPublic(BaseModel):
    session_id: str
    agreement_id: str
    signed_by: list[SignedParty]
    unsigned: list[str]
    all_signed: bool


class JudicialConfirmationIn(BaseModel):
    applied_on: Day
    court: str = PField(default="", max_length=200)


class JudicialConfirmationPublic(BaseModel):
    session_id: str
    agreement_id: str
    applied_on: date
    court: str
    deadline: date
    within_window: bool
    created_at: Instant


class FollowupIn(BaseModel):
    visited_on: Day
    performance: Performance
    note: str = PField(default="", max_length=4000)


class FollowupPublic(BaseModel):
    id: str
    session_id: str
    agreement_id: str
    visited_on: date
    performance: Performance
    note: str
    due_on: date
    on_time: bool
    created_at: Instant
