"""Mediation agreements (调解协议) and satisfaction ratings (满意度评价)."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, field_validator
from pydantic import Field as PField
from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import JSONType, UTCDateTime
from shared.timeutil import Day, Instant

OWNER = {"info": {"owner": "mediation"}}


class AgreementForm(str, Enum):
    written = "written"   # 调解协议书, effective when signed and sealed
    oral = "oral"         # 口头协议, effective when reached


class Rating(str, Enum):
    satisfied = "satisfied"                      # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    dissatisfied = "dissatisfied"                # 不满意


class OtherRoute(str, Enum):
    """Routes the parties are told of when mediation fails (人民调解法 art. 26)."""

    arbitration = "arbitration"
    administrative = "administrative"
    litigation = "litigation"


class Agreement(SQLModel, table=True):
    """A mediation agreement (调解协议), with its 司法确认 deadline and 回访 date."""

    __tablename__ = "agreement"
    __table_args__ = (Index("ix_agreement_case_no", "case_no"), Index("ix_agreement_followup", "followup_on"),
                      Index("ix_agreement_jc_deadline", "judicial_confirmation_deadline"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    session_id: str = Field(sa_column=Column(String(32), ForeignKey("mediation_session.id"), unique=True,
                                             nullable=False))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    outcome: str = Field(sa_column=Column(String(32), nullable=False))
    form: str = Field(sa_column=Column(String(16), nullable=False))
    terms: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    facts: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    responsibilities: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    performance_method: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    performance_due: date = Field(sa_column=Column(Date, nullable=False))
    effective_on: date = Field(sa_column=Column(Date, nullable=False))
    judicial_confirmation_deadline: date = Field(sa_column=Column(Date, nullable=False))
    followup_on: date = Field(sa_column=Column(Date, nullable=False))
    # The year whose holidays were missing when the dates above were computed (Monday–Friday fallback).
    deadline_missing_year: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    followup_notified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    judicial_warned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Satisfaction(SQLModel, table=True):
    """One party's rating of one session (one per party per session)."""

    __tablename__ = "satisfaction"
    __table_args__ = (UniqueConstraint("session_id", "party_key", name="uq_satisfaction_session_party"),
                      Index("ix_satisfaction_case_no", "case_no"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    session_id: str = Field(sa_column=Column(String(32), ForeignKey("mediation_session.id"), nullable=False))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    party_name: str = Field(sa_column=Column(String(200), nullable=False))
    party_key: str = Field(sa_column=Column(String(240), nullable=False))
    rating: str = Field(sa_column=Column(String(32), nullable=False))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recorded_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# -- schemas ------------------------------------------------------------------------------
class AgreementIn(BaseModel):
    form: AgreementForm
    terms: list[str] = PField(min_length=1, max_length=100)
    performance_due: Day
    performance_method: str = PField(default="", max_length=2000)
    facts: str = PField(default="", max_length=10000)
    responsibilities: str = PField(default="", max_length=10000)
    # A written agreement takes effect when every party and the mediator have signed (default: today).
    effective_on: Day | None = None

    @field_validator("terms")
    @classmethod
    def _terms(cls, v: list[str]) -> list[str]:
        v = [t.strip() for t in v]
        if any(not t or len(t) > 2000 for t in v):
            raise ValueError("each term must be 1–2000 characters")
        return v


class LegalOpinionAsk(BaseModel):
    question: str = PField(min_length=1, max_length=4000)
    category: str | None = PField(default=None, max_length=100)


class ConcludeIn(BaseModel):
    outcome: Any  # validated as Outcome in the service to give one clear error
    agreement: AgreementIn | None = None
    routes_told: list[OtherRoute] | None = None
    request_legal_opinion: LegalOpinionAsk | None = None
    notes: str | None = PField(default=None, max_length=4000)


class AgreementPublic(BaseModel):
    id: str
    session_id: str
    case_no: str
    outcome: str
    form: AgreementForm
    terms: list[str]
    facts: str
    responsibilities: str
    performance_method: str
    performance_due: date
    effective_on: date
    judicial_confirmation_deadline: date
    followup_on: date
    created_at: Instant
    # True while a date above rests on the Monday–Friday fallback (that year's holidays not loaded).
    deadline_provisional: bool = False
    deadline_missing_year: int | None = None
    # The parties who signed the written agreement (POST /sessions/{id}/agreement/signatures); given by
    # GET /sessions/{id}/agreement, null where not loaded.
    signed_by: list[str] | None = None


class AgreementListed(AgreementPublic):
    # An item of GET /agreements: what was done after it (followthrough/), added by flows.agreements_listed.
    judicial_confirmation_applied_on: date | None = None
    followed_up_on: date | None = None


class SatisfactionIn(BaseModel):
    rating: Rating
    comment: str = PField(default="", max_length=2000)
    party_name: str | None = PField(default=None, min_length=1, max_length=200)
    party_phone: str | None = PField(default=None, max_length=32)


class SatisfactionPublic(BaseModel):
    id: str
    session_id: str
    case_no: str
    party_name: str
    rating: Rating
    comment: str
    created_at: Instant
