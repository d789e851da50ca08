"""Opinion requests (法律意见征询), assignment decisions and legal opinions (法律意见书)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, field_validator
from pydantic import Field as PField
from sqlalchemy import Column, Date, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.lawyers.conflict.models import ConflictHit
from services.lawyers.lawyer.models import VocabularyWarning
from shared.db import JSONType, UTCDateTime
from shared.timeutil import Day

OWNER = {"info": {"owner": "lawyers"}}
RequestStatus = Literal["unassigned", "assigned", "answered"]
Legality = Literal["lawful", "partly_lawful", "unlawful", "undetermined"]
Channel = Literal["litigation", "arbitration", "administrative_reconsideration", "petition", "mediation", "other"]
PartyRole = Literal["petitioner", "respondent", "third_party"]
CASE_NO = r"^[A-Za-z0-9-]+$"


class OpinionRequest(SQLModel, table=True):
    """A request for a legal opinion on a hard case (疑难案件评析), assigned to one lawyer."""

    __tablename__ = "opinion_request"
    __table_args__ = (Index("ix_opinion_request_case_no", "case_no"),
                      Index("ix_opinion_request_assignee", "assignee_id", "status"),
                      Index("ix_opinion_request_status_due", "status", "due_on"),
                      Index("ix_opinion_request_created", "created_at", "id"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    question: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    # The words as sent when the category was unknown (stored as `other`; shared/vocabulary.py).
    category_text: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    language: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    parties: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    assignee_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    assigned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    due_on: date = Field(sa_column=Column(Date, nullable=False))
    # The day the default period counts from (None: `due_on` was given by the caller, never recomputed).
    due_start: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # The year whose holidays were missing when `due_on` was computed (the Monday–Friday fallback).
    deadline_missing_year: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    due_soon_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    overdue_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    declined_by: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    handoff_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class AssignmentDecision(SQLModel, table=True):
    """One assignment (or failed assignment) of a request, with why every other candidate was skipped.

    `skipped` groups lawyer ids by their reason list (`"conflict_of_interest|at_cap": [ids]`) to stay small
    on large rosters; `conflicts` holds the conflict entries behind each `conflict_of_interest`.
    """

    __tablename__ = "assignment_decision"
    __table_args__ = (Index("ix_assignment_decision_request", "request_id", "at"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    request_id: str = Field(sa_column=Column(String(32), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    mode: str = Field(sa_column=Column(String(16), nullable=False))
    actor: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    chosen_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    note: str = Field(default="", sa_column=Column(String(1000), nullable=False, default=""))
    skipped: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    conflicts: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    # The roster rules' part of `skipped` (kind, contract, leave, specialty, language), shared by every
    # decision taken on the same roster for the same kind of question; `skipped` then holds the rest.
    skip_set_id: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))


class AssignmentSkipSet(SQLModel, table=True):
    """Lawyers failing the slow-changing rules for one roster version and question, grouped by reasons.

    Stored once (id = SHA-1 of the content) and referenced by every decision it applies to, so a
    decision on a roster of thousands stays a few hundred bytes.
    """

    __tablename__ = "assignment_skip_set"
    __table_args__ = (OWNER,)

    id: str = Field(sa_column=Column(String(40), primary_key=True))
    skipped: dict = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class LegalOpinion(SQLModel, table=True):
    """A filed legal opinion (法律意见书 / 评析意见书). Never edited: an amendment is a new version."""

    __tablename__ = "legal_opinion"
    __table_args__ = (UniqueConstraint("request_id", "version", name="uq_legal_opinion_request_version"),
                      UniqueConstraint("review_id", "version", name="uq_legal_opinion_review_version"),
                      Index("ix_legal_opinion_case_no", "case_no"), OWNER)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    request_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    review_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    case_no: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    lawyer_id: str = Field(sa_column=Column(String(32), nullable=False))
    petitioner_request: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    facts: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    analysis: str = Field(sa_column=Column(Text, nullable=False))
    legality: str = Field(sa_column=Column(String(32), nullable=False))
    recommended_channel: str = Field(sa_column=Column(String(48), nullable=False))
    legal_basis: list = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    amends_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    amendment_reason: str = Field(default="", sa_column=Column(String(1000), nullable=False, default=""))
    filed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# -- schemas -------------------------------------------------------------------------------
class PartyIn(BaseModel):
    name: str = PField(min_length=1, max_length=200)
    role: PartyRole | None = None


def as_parties(items: list[PartyIn | str]) -> list[PartyIn]:
    """Parties as sent (a bare name stands for a party of no stated role) as PartyIn."""
    return [PartyIn(name=p) if isinstance(p, str) else p for p in items]


class OpinionRequestCreate(BaseModel):
    case_no: str = PField(min_length=1, max_length=64, pattern=CASE_NO)
    question: str = PField(min_length=1, max_length=10000)
    category: str = PField(default="", max_length=100)
    # The words as first sent, when `category` is already `other` (e.g. from a handoff).
    category_text: str | None = PField(default=None, max_length=200)
    parties: list[PartyIn | str] = PField(default_factory=list, max_length=50)
    language: str | None = PField(default=None, min_length=1, max_length=16)
    due_on: Day | None = None

    @field_validator("parties")
    @classmethod
    def _names(cls, v: list) -> list[PartyIn]:
        out = []
        for p in v:
            p = PartyIn(name=p) if isinstance(p, str) else p
            if not p.name.strip():
                raise ValueError("a party needs a name")
            out.append(p)
        return out


class AssignIn(BaseModel):
    lawyer_id: str = PField(min_length=1, max_length=64)
    note: str = PField(default="", max_length=1000)


class DeclineIn(BaseModel):
    reason: str = PField(min_length=1, max_length=1000)


class OpinionCreate(BaseModel):
    """The opinion: request, facts and reasons, analysis and basis, legality, recommended channel."""

    summary: str = PField(min_length=1, max_length=20000)
    analysis: str = PField(min_length=1, max_length=50000)
    legality: Legality
    recommended_channel: Channel
    legal_basis: list[str] = PField(default_factory=list, max_length=100)
    facts: str = PField(default="", max_length=50000)
    petitioner_request: str | None = PField(default=None, max_length=20000)
    amendment_reason: str = PField(default="", max_length=1000)


# -- answers (dates and instants are the strings of context.day() / iso()) ----------------------------
class PartyPublic(BaseModel):
    name: str
    role: PartyRole | None


class OpinionPublic(BaseModel):
    """A filed legal opinion (法律意见书), one version."""

    id: str
    request_id: str | None
    review_id: str | None
    case_no: str
    version: int
    lawyer_id: str
    petitioner_request: str
    facts: str
    summary: str
    analysis: str
    legality: Legality
    recommended_channel: Channel
    legal_basis: list[str]
    amends_id: str | None
    amendment_reason: str
    filed_at: str


class OpinionRequestListed(BaseModel):
    """An opinion request (法律意见征询) as listed: without its opinion."""

    id: str
    case_no: str
    question: str
    category: str | None
    category_label: str | None
    category_text: str | None
    warnings: list[VocabularyWarning]
    deadline_provisional: bool
    deadline_missing_year: int | None
    language: str | None
    parties: list[PartyPublic]
    status: RequestStatus
    assignee_id: str | None
    assigned_at: str | None
    due_on: str
    due_soon: bool
    overdue: bool
    declined_by: list[str]
    handoff_id: str | None
    created_at: str
    answered_at: str | None


class OpinionRequestPublic(OpinionRequestListed):
    """An opinion request with its latest opinion (None until answered)."""

    opinion: OpinionPublic | None


class OpinionRequestDeclined(OpinionRequestListed):
    """The request after its assignee declined (拒绝承办), reassigned or left unassigned."""

    declined: bool


class SkippedLawyer(BaseModel):
    """A lawyer an assignment passed over, and why; `conflicts` only for conflicts of interest."""

    lawyer_id: str
    reasons: list[str]
    conflicts: list[ConflictHit] = []


class DecisionPublic(BaseModel):
    """One assignment decision (分派记录)."""

    id: str
    request_id: str
    at: str
    mode: str
    actor: str
    chosen_id: str | None
    note: str
    skipped: list[SkippedLawyer]
    reason_counts: dict[str, int]


class AssignmentLog(BaseModel):
    request_id: str
    items: list[DecisionPublic]
